/**
 * Runs a TrainJob in a child process at the lowest CPU priority, so a retrain takes only the
 * CPU the server leaves idle: a worker thread shares the server's priority, and on a 2-core
 * machine it halved what the server answered during a retrain. From TypeScript sources (dev,
 * tests) through tsx.
 */
import { fork } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import type { Progress, SkippedRun, TrainJob, TrainResult } from './pipeline';

/** Nice value of the training process (the lowest priority). */
const TRAINING_NICENESS = 19;

/** `signal` aborting kills the process (its run lost the training lock). */
export function trainInWorker(job: TrainJob, progress: Progress = () => {}, signal?: AbortSignal): Promise<TrainResult | SkippedRun> {
  const fromSource = __filename.endsWith('.ts');
  const file = path.join(__dirname, fromSource ? 'worker.ts' : 'worker.js');
  return new Promise((resolve, reject) => {
    // 'advanced' serialisation carries typed arrays (the PGlite snapshot, the artifact) as such.
    const child = fork(file, [], { execArgv: fromSource ? ['--require', 'tsx/cjs'] : [], serialization: 'advanced' });
    try {
      os.setPriority(child.pid!, TRAINING_NICENESS);
    } catch {
      // Not permitted here (a restricted container): it trains at normal priority.
    }
    let settled = false;
    const settle = (finish: () => void) => {
      if (settled) return;
      settled = true;
      finish();
    };
    if (signal?.aborted) child.kill('SIGKILL');
    else signal?.addEventListener('abort', () => child.kill('SIGKILL'), { once: true });
    child.on('message', (message: { progress?: string; result?: TrainResult | SkippedRun; error?: string }) => {
      if (message.progress) progress(message.progress);
      if (message.result) settle(() => resolve(message.result!));
      if (message.error) settle(() => reject(new Error(message.error)));
    });
    child.on('error', (error) => settle(() => reject(error)));
    child.on('exit', (code, exitSignal) => settle(() => reject(new Error(`training process exited (${exitSignal ?? `code ${code}`}) before finishing`))));
    child.send(job);
  });
}
