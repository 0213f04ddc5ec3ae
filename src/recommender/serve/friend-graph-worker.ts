/** Worker-thread entry of prepareGraphInWorker: posts { graph } or { error }. */
import { parentPort, workerData } from 'node:worker_threads';
import { prepareGraph, type SocialGraph } from '../friends/graph';
import { friendTrainingData, type FriendGraphInput } from '../model-inputs';

function buffers(graph: SocialGraph): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const visit = (value: unknown) => {
    if (ArrayBuffer.isView(value)) out.add(value.buffer as ArrayBuffer);
    else if (value && typeof value === 'object') Object.values(value).forEach(visit);
  };
  visit(graph);
  return [...out];
}

if (parentPort) {
  try {
    const graph = prepareGraph(friendTrainingData(workerData as FriendGraphInput));
    parentPort.postMessage({ graph }, buffers(graph));
  } catch (error) {
    parentPort.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
}
