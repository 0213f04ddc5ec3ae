/**
 * Worker-thread entry: trains off the server's event loop. Receives a TrainJob, posts
 * progress lines and then { result } or { error }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runTrainJob, type TrainJob } from './pipeline';

if (parentPort) {
  const port = parentPort;
  runTrainJob(workerData as TrainJob, (stage) => port.postMessage({ progress: stage })).then(
    (result) => port.postMessage({ result }, [result.artifact.buffer as ArrayBuffer]),
    (error: unknown) => port.postMessage({ error: error instanceof Error ? `${error.message}\n${error.stack}` : String(error) }),
  );
}
