/** Child-process entry of prepareGraphInChild: receives a GraphSource, sends { bound } or { error }, exits. */
import { prepareGraph } from '../friends/graph';
import { friendTrainingData, type FriendGraphInput } from '../model-inputs';
import { takeSnapshotAt } from '../snapshot';
import type { BoundGraph, GraphSource } from './friend-graph';

async function bind(source: GraphSource): Promise<BoundGraph> {
  const input: FriendGraphInput = 'input' in source ? source.input : await takeSnapshotAt(source.databaseUrl);
  return { graph: prepareGraph(friendTrainingData(input)), userIds: input.userIds };
}

if (require.main === module && process.send) {
  const send = (reply: { bound: BoundGraph } | { error: string }) => new Promise<void>((resolve) => process.send!(reply, () => resolve()));
  // The channel closing means the server is gone: nobody would receive the graph.
  process.on('disconnect', () => process.exit(1));
  process.once('message', (source: GraphSource) => {
    bind(source).then(
      (bound) => send({ bound }).then(() => process.exit(0)),
      (error: unknown) => send({ error: error instanceof Error ? error.message : String(error) }).then(() => process.exit(1)),
    );
  });
}
