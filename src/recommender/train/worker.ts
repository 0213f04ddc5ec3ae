/**
 * The training process's entry (started by spawn.ts): trains off the server's event loop.
 * Receives a TrainJob, reads its data when the job names a database, sends progress lines
 * and then { result } or { error }.
 */
import { takeSnapshotAt } from '../snapshot';
import { untrainable } from './data';
import { runTrainJob, type PreparedJob, type Progress, type SkippedRun, type TrainJob, type TrainResult } from './pipeline';

/** The snapshot, read on this process's own connection. */
async function prepare(job: TrainJob): Promise<PreparedJob> {
  const { source, ...rest } = job;
  if ('snapshot' in source) return { ...rest, snapshot: source.snapshot };
  return { ...rest, snapshot: await takeSnapshotAt(source.databaseUrl) };
}

export async function runInWorker(job: TrainJob, progress: Progress): Promise<TrainResult | SkippedRun> {
  progress('snapshot');
  const started = Date.now();
  const prepared = await prepare(job);
  const snapshotMs = Date.now() - started;
  const cannot = untrainable(job.kind, prepared.snapshot);
  if (cannot) return { skipped: cannot, watermark: prepared.snapshot.watermark };
  const result = await runTrainJob(prepared, progress);
  return { ...result, stageMs: { snapshot: snapshotMs, ...result.stageMs } };
}

type Reply = { progress: string } | { result: TrainResult | SkippedRun } | { error: string };

const failure = (error: unknown): Reply => ({ error: error instanceof Error ? `${error.message}\n${error.stack}` : String(error) });

if (require.main === module && process.send) {
  // A training process (spawn.ts): one job, then exit. The channel closing means the server
  // died or gave the run up, so nothing would receive the result: stop at once.
  const send = (reply: Reply) => new Promise<void>((resolve) => process.send!(reply, () => resolve()));
  process.on('disconnect', () => process.exit(1));
  process.once('message', (job: TrainJob) => {
    runInWorker(job, (stage) => void send({ progress: stage })).then(
      (result) => send({ result }).then(() => process.exit(0)),
      (error: unknown) => send(failure(error)).then(() => process.exit(1)),
    );
  });
}
