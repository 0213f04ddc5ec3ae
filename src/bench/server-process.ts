/** The server under test: a child process on a free port, ready when /readyz says so. */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { echoLines, spawnTsEntry } from './child';

export interface ServerMemory {
  rssBytes: number;
  /** Peak RSS since the process started (VmHWM). */
  peakRssBytes: number;
}

export interface ServerUnderTest {
  pid: number;
  baseUrl: string;
  memory(): ServerMemory;
  /** CPU seconds (user + system, every thread) the process has used so far. */
  cpuSeconds(): number;
  /**
   * Seconds until /readyz (one database round trip) answers within a moment again: requests
   * a load run abandoned keep the server and its pool busy, and must not spill into the next run.
   */
  drain(): Promise<number>;
  /** Why the process ended (exit code or signal), or null while it runs. */
  ended(): string | null;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 120_000;
const DRAINED_WHEN_READYZ_MS = 500;
const DRAIN_TIMEOUT_MS = 300_000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** utime and stime are fields 14 and 15 of /proc/PID/stat, in clock ticks (100 per second on Linux). */
function readCpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function readMemory(pid: number): ServerMemory {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rssBytes: kib('VmRSS'), peakRssBytes: kib('VmHWM') };
}

async function waitUntilReady(baseUrl: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} before it was ready`);
    try {
      const response = await fetch(`${baseUrl}/readyz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`server not ready after ${READY_TIMEOUT_MS / 1000} s`);
}

async function drain(baseUrl: string): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < DRAIN_TIMEOUT_MS) {
    const probe = performance.now();
    const response = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(DRAIN_TIMEOUT_MS) }).catch(() => null);
    if (response?.ok && performance.now() - probe < DRAINED_WHEN_READYZ_MS) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return (performance.now() - started) / 1000;
}

/** `nodeArgs` go to Node itself (e.g. --cpu-prof, which NODE_OPTIONS does not accept). */
export async function startServerProcess(env: NodeJS.ProcessEnv, nodeArgs: string[] = []): Promise<ServerUnderTest> {
  const port = await freePort();
  const child = spawnTsEntry('src/server.ts', [], {
    ...env,
    PORT: String(port),
    TRAIN_ON_START: 'false',
    SEED_DEMO: 'false',
    LOG_LEVEL: 'warn',
    // The load comes from one admin token: a per-client budget would measure the limiter.
    RATE_LIMIT_PER_MINUTE: '0',
  }, nodeArgs);
  echoLines(child.stdout, '  server | ');
  echoLines(child.stderr, '  server | ', console.error);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    await waitUntilReady(baseUrl, child);
  } catch (error) {
    await stop();
    throw error;
  }
  const pid = child.pid as number;
  const ended = () => (child.exitCode !== null ? `exit code ${child.exitCode}` : child.signalCode ? `signal ${child.signalCode}` : null);
  return { pid, baseUrl, memory: () => readMemory(pid), cpuSeconds: () => readCpuSeconds(pid), drain: () => drain(baseUrl), ended, stop };
}
