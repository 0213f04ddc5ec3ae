/** Worker-thread entry of prepareGraphInWorker: posts { bound } or { error }. */
import { parentPort, workerData } from 'node:worker_threads';
import { prepareGraph, type SocialGraph } from '../friends/graph';
import { friendTrainingData, type FriendGraphInput } from '../model-inputs';
import { takeSnapshotAt } from '../snapshot';
import type { BoundGraph, GraphSource } from './friend-graph';

function buffers(bound: BoundGraph): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const visit = (value: unknown) => {
    if (ArrayBuffer.isView(value)) out.add(value.buffer as ArrayBuffer);
    else if (value && typeof value === 'object') Object.values(value).forEach(visit);
  };
  visit(bound);
  return [...out];
}

async function bind(source: GraphSource): Promise<BoundGraph> {
  const input: FriendGraphInput = 'input' in source ? source.input : await takeSnapshotAt(source.databaseUrl);
  const graph: SocialGraph = prepareGraph(friendTrainingData(input));
  return { graph, userIds: input.userIds };
}

if (parentPort) {
  const port = parentPort;
  bind(workerData as GraphSource).then(
    (bound) => port.postMessage({ bound }, buffers(bound)),
    (error: unknown) => port.postMessage({ error: error instanceof Error ? error.message : String(error) }),
  );
}
