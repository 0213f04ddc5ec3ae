/**
 * Child processes for the benchmark: TypeScript entry points run through tsx's CommonJS hook,
 * so `child.pid` is the Node process itself (its /proc entry is the one to measure), with
 * their output echoed under a prefix and kept for parsing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../paths';

const GNU_TIME = '/usr/bin/time';

export interface ChildResult {
  exitCode: number | null;
  stdout: string;
  wallSeconds: number;
  /** Peak resident set of the process (GNU time's %M), when /usr/bin/time is available. */
  peakRssBytes: number | null;
}

export function spawnTsEntry(entry: string, args: string[], env: NodeJS.ProcessEnv, nodeArgs: string[] = []): ChildProcess {
  return spawn(process.execPath, [...nodeArgs, '--require', 'tsx/cjs', entry, ...args], {
    cwd: projectRoot(),
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Echoes each line of a stream under `prefix`. */
export function echoLines(stream: NodeJS.ReadableStream | null, prefix: string, sink: (line: string) => void = console.log): void {
  let pending = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) sink(`${prefix}${line}`);
  });
  stream?.on('end', () => {
    if (pending) sink(`${prefix}${pending}`);
  });
}

/**
 * Runs a TypeScript entry point to completion. Under GNU time when present, which reports the
 * peak RSS of the process tree it waited for: the largest single process's peak (training
 * runs in a child process of the entry, so this is the larger of the two, not their sum).
 */
export async function runTsEntry(entry: string, args: string[], env: NodeJS.ProcessEnv, prefix: string): Promise<ChildResult> {
  const timeFile = path.join(projectRoot(), '.bench', `time-${process.pid}-${Date.now()}.txt`);
  const timed = fs.existsSync(GNU_TIME);
  if (timed) fs.mkdirSync(path.dirname(timeFile), { recursive: true });
  const command = timed ? GNU_TIME : process.execPath;
  const nodeArgs = ['--require', 'tsx/cjs', entry, ...args];
  const fullArgs = timed ? ['-f', '%e %M', '-o', timeFile, process.execPath, ...nodeArgs] : nodeArgs;
  const started = performance.now();
  const child = spawn(command, fullArgs, { cwd: projectRoot(), env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer | string) => (stdout += String(chunk)));
  echoLines(child.stdout, prefix);
  echoLines(child.stderr, prefix, console.error);
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const wallSeconds = (performance.now() - started) / 1000;
  let peakRssBytes: number | null = null;
  if (timed && fs.existsSync(timeFile)) {
    // The last line is "<elapsed> <max RSS KiB>"; a failed command adds a status line before it.
    const last = fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '';
    const kib = Number(last.split(' ')[1]);
    if (Number.isFinite(kib)) peakRssBytes = kib * 1024;
    fs.rmSync(timeFile, { force: true });
  }
  return { exitCode, stdout, wallSeconds, peakRssBytes };
}
