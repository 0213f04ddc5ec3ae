/**
 * The server as a real child process, started the way `npm run dev` does but with node itself
 * loading tsx: tsx's CLI relays signals through a wrapper process that force-kills its child
 * when it does not acknowledge a signal within 30 ms, which fails on a loaded machine; and a
 * SIGKILL must reach the server, not the wrapper.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';

export const root = path.resolve(__dirname, '..', '..');

export interface ServerProcess {
  child: ChildProcessWithoutNullStreams;
  /** Everything the process wrote so far, stdout and stderr. */
  output(): string;
  /** Resolves with the first match of `pattern` in the output; rejects if the process exits first or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Settles when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs `node --import tsx <script> ...args` in the project root with `env` over the test's environment. */
export function spawnTs(script: string, args: string[], env: Record<string, string>): ServerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: root, env: { ...process.env, ...env } });
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  let gone = false;
  void exited.then(() => {
    gone = true;
    for (const listener of listeners) listener();
  });
  return {
    child,
    output: () => output,
    exited,
    waitFor(pattern, timeoutMs = 300_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`no ${pattern} within ${timeoutMs} ms:\n${output}`)), timeoutMs);
        const check = () => {
          const match = pattern.exec(output);
          if (match) done(null, match);
          else if (gone) done(new Error(`process exited before ${pattern}:\n${output}`));
        };
        const done = (error: Error | null, match?: RegExpExecArray) => {
          clearTimeout(timer);
          listeners.delete(check);
          if (error) reject(error);
          else resolve(match!);
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/** The server's environment for a child: its own port, info logs (tests wait on them). */
export const serverEnv = (env: Record<string, string>): Record<string, string> => ({
  PORT: '0',
  LOG_LEVEL: 'info',
  JWT_SECRET: 'child-secret-0123456789',
  SEED_DEMO: 'false',
  TRAIN_ON_START: 'false',
  ...env,
});

export const READY = /"url":"(http:\/\/localhost:\d+\/graphql)"/;
