/**
 * Binds the friend graph off the event loop: a worker thread builds the FriendTrainingData
 * and the prepared SocialGraph (O(edges + interactions): about a second on Epinions) and
 * sends the typed arrays back, moved, not copied. On Postgres the worker also reads the
 * snapshot, over a connection of its own (as the training process does), so the main thread
 * does none of it; embedded PGlite has one connection, so there the server reads it and only
 * what the graph needs crosses to the worker.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { SqlSession } from '../../db/client';
import type { SocialGraph } from '../friends/graph';
import type { FriendGraphInput } from '../model-inputs';
import { takeSnapshot } from '../snapshot';

/** What the worker builds the graph from: a database to snapshot, or the snapshot's arrays. */
export type GraphSource = { databaseUrl: string } | { input: FriendGraphInput };

/** The prepared graph and the database id of each of its user indices. */
export interface BoundGraph {
  graph: SocialGraph;
  userIds: Int32Array;
}

/** The friend graph as the database holds it now. */
export async function currentGraph(db: SqlSession & { url: string | null }): Promise<BoundGraph> {
  return prepareGraphInWorker(db.url ? { databaseUrl: db.url } : { input: await takeSnapshot(db) });
}

/** An `input` source's arrays are detached afterwards (moved to the worker). */
export function prepareGraphInWorker(source: GraphSource): Promise<BoundGraph> {
  let workerData: GraphSource = source;
  let transferList: ArrayBuffer[] = [];
  if ('input' in source) {
    // Only what the graph needs crosses to the worker, not the whole snapshot.
    const { userIds, itemIds, followFrom, followTo, pairUsers, pairItems, pairWeights } = source.input;
    workerData = { input: { userIds, itemIds, followFrom, followTo, pairUsers, pairItems, pairWeights } };
    // The edge and pair arrays are only the worker's input: moved; the id arrays are copied.
    transferList = [...new Set([followFrom, followTo, pairUsers, pairItems, pairWeights].map((a) => a.buffer as ArrayBuffer))];
  }
  const fromSource = __filename.endsWith('.ts');
  const file = path.join(__dirname, fromSource ? 'friend-graph-worker.ts' : 'friend-graph-worker.js');
  return new Promise((resolve, reject) => {
    const worker = new Worker(file, { workerData, transferList, execArgv: fromSource ? ['--require', 'tsx/cjs'] : [] });
    let settled = false;
    worker.once('message', (message: { bound?: BoundGraph; error?: string }) => {
      settled = true;
      if (message.bound) resolve(message.bound);
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
