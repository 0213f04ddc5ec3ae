/** Runs a TrainJob in a worker thread; from TypeScript sources (dev, tests) through tsx. */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Progress, SkippedRun, TrainJob, TrainResult } from './pipeline';

/** The typed arrays' buffers; the caller must not read `job`'s arrays afterwards. */
function transferables(job: TrainJob): ArrayBuffer[] {
  if (!('snapshot' in job.source)) return [];
  const buffers = new Set<ArrayBuffer>();
  const arrays = [...Object.values(job.source.snapshot), job.source.active?.artifact];
  for (const value of arrays) {
    if (ArrayBuffer.isView(value) && value.buffer instanceof ArrayBuffer && value.byteLength === value.buffer.byteLength) {
      buffers.add(value.buffer);
    }
  }
  return [...buffers];
}

/** `signal` aborting terminates the worker (its run lost the training lock). */
export function trainInWorker(job: TrainJob, progress: Progress = () => {}, signal?: AbortSignal): Promise<TrainResult | SkippedRun> {
  const fromSource = __filename.endsWith('.ts');
  const file = path.join(__dirname, fromSource ? 'worker.ts' : 'worker.js');
  return new Promise((resolve, reject) => {
    const worker = new Worker(file, {
      workerData: job,
      // Moved, not copied: the snapshot is the biggest thing in memory during a run.
      transferList: transferables(job),
      execArgv: fromSource ? ['--require', 'tsx/cjs'] : [],
    });
    let settled = false;
    if (signal?.aborted) void worker.terminate();
    else signal?.addEventListener('abort', () => void worker.terminate(), { once: true });
    worker.on('message', (message: { progress?: string; result?: TrainResult | SkippedRun; error?: string }) => {
      if (message.progress) progress(message.progress);
      if (message.result) {
        settled = true;
        resolve(message.result);
      }
      if (message.error) {
        settled = true;
        reject(new Error(message.error));
      }
    });
    worker.on('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`training worker exited with code ${code} before finishing`));
    });
  });
}
