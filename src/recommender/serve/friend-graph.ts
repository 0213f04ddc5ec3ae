/**
 * Binds the friend graph off the event loop: the snapshot's follows and interactions go to a
 * worker thread, which builds the FriendTrainingData and the prepared SocialGraph (O(edges +
 * interactions): about a second on Epinions) and sends the typed arrays back, moved, not copied.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { SocialGraph } from '../friends/graph';
import type { FriendGraphInput } from '../model-inputs';

/** The arrays `from` holds for the friend graph are detached afterwards (moved to the worker). */
export function prepareGraphInWorker(from: FriendGraphInput): Promise<SocialGraph> {
  // Only what the graph needs crosses to the worker, not the whole snapshot.
  const { userIds, itemIds, followFrom, followTo, pairUsers, pairItems, pairWeights } = from;
  const input: FriendGraphInput = { userIds, itemIds, followFrom, followTo, pairUsers, pairItems, pairWeights };
  const fromSource = __filename.endsWith('.ts');
  const file = path.join(__dirname, fromSource ? 'friend-graph-worker.ts' : 'friend-graph-worker.js');
  return new Promise((resolve, reject) => {
    const worker = new Worker(file, {
      workerData: input,
      // The edge and pair arrays are only the worker's input: moved; the id arrays are copied.
      transferList: [...new Set([input.followFrom, input.followTo, input.pairUsers, input.pairItems, input.pairWeights].map((a) => a.buffer as ArrayBuffer))],
      execArgv: fromSource ? ['--require', 'tsx/cjs'] : [],
    });
    let settled = false;
    worker.once('message', (message: { graph?: SocialGraph; error?: string }) => {
      settled = true;
      if (message.graph) resolve(message.graph);
      else reject(new Error(message.error ?? 'friend graph worker sent nothing'));
    });
    worker.once('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`friend graph worker exited with code ${code}`));
    });
  });
}
