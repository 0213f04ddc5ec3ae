import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { jwtVerify } from 'jose';

const root = path.resolve(__dirname, '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');

describe('npm run token', () => {
  it('mints a token for a user, optionally an admin', async () => {
    const env = { ...process.env, JWT_SECRET: 'cli-secret' };
    const { stdout } = await promisify(execFile)(tsx, ['src/cli/token.ts', '--user', '7', '--admin'], { cwd: root, env });
    const { payload } = await jwtVerify(stdout.trim(), new TextEncoder().encode('cli-secret'));
    expect(payload).toMatchObject({ sub: '7', role: 'ADMIN' });
    await expect(promisify(execFile)(tsx, ['src/cli/token.ts'], { cwd: root, env })).rejects.toMatchObject({ code: 1 });
  });
});

describe('the server process', () => {
  it('starts on the embedded database and stops cleanly on SIGTERM', async () => {
    const dataDir = path.join(require('node:os').tmpdir(), `srv-${process.pid}-${Date.now()}`);
    const child = spawn(tsx, ['src/server.ts'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: '', DATA_DIR: dataDir, PORT: '0', SEED_DEMO: 'false', TRAIN_ON_START: 'false', LOG_LEVEL: 'info' },
    });
    let output = '';
    const ready = new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        output += chunk;
        const match = /"url":"(http:\/\/localhost:\d+\/graphql)"/.exec(output);
        if (match) resolve(match[1]);
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}: ${output}`)));
    });
    const url = await ready;
    expect(await (await fetch(url.replace('/graphql', '/readyz'))).json()).toMatchObject({ status: 'ready', database: 'pglite' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toMatch(/shutting down/);
  });
});

describe('dataset CLIs on user errors', () => {
  /** Runs a CLI that is expected to fail; resolves with its exit code and stderr. */
  const fail = (script: string, args: string[], env: Record<string, string> = {}) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(tsx, [script, ...args], { cwd: root, env: { ...process.env, ...env } }, (error, _stdout, stderr) =>
        resolve({ code: error ? (error as { code?: number }).code ?? null : 0, stderr }),
      );
    });
  const oneLine = (stderr: string) => stderr.trim().split('\n');

  it.each([
    ['src/cli/import.ts', ['--dataset', 'ciao']],
    ['src/cli/eval.ts', ['--dataset', 'ciao', '--task', 'items']],
  ])('%s: a missing dataset folder is one line naming the folder, --dir and DATASETS_DIR, exit 2', async (script, args) => {
    const { code, stderr } = await fail(script, args, { DATASETS_DIR: '/nonexistent/datasets' });
    expect(code).toBe(2);
    expect(oneLine(stderr)).toHaveLength(1);
    expect(stderr).toMatch(/\/nonexistent\/datasets\/ciao does not exist.*--dir PATH or set DATASETS_DIR/);
  });

  it('honours --dir over DATASETS_DIR', async () => {
    const { code, stderr } = await fail('src/cli/import.ts', ['--dataset', 'ciao', '--dir', '/elsewhere/ciao'], { DATASETS_DIR: '/nonexistent' });
    expect([code, oneLine(stderr)]).toEqual([2, [expect.stringMatching(/folder \/elsewhere\/ciao does not exist/)]]);
  });

  it.each([
    ['src/cli/import.ts', ['--dataset', 'nope'], /unknown or missing --dataset; usage: npm run import/],
    ['src/cli/import.ts', ['--dataset', 'ciao', '--limit', 'x'], /--limit must be a positive integer/],
    ['src/cli/import.ts', ['--bogus'], /Unknown option '--bogus'/],
    ['src/cli/eval.ts', ['--dataset', 'nope'], /unknown or missing --dataset; usage: npm run eval/],
  ])('%s %j: bad flags are one line, exit 2', async (script, args, message) => {
    const { code, stderr } = await fail(script, args);
    expect([code, oneLine(stderr)]).toEqual([2, [expect.stringMatching(message)]]);
  });
});
