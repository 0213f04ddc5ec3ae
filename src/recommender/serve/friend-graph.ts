/**
 * Binds the friend graph off the serving process: a child process builds the
 * FriendTrainingData and the prepared SocialGraph (O(edges + interactions): about a second on
 * Epinions) and sends back only the graph's typed arrays. On Postgres the child also reads the
 * snapshot, over a connection of its own (as the training process does), so neither the
 * server's event loop nor its memory sees it: read on Epinions, the snapshot's rows and index
 * maps peak at several hundred MB, which a worker thread would add to the server's RSS.
 * Embedded PGlite has one connection, so there the server reads it and sends the child only
 * what the graph needs.
 */
import { fork } from 'node:child_process';
import path from 'node:path';
import type { SqlSession } from '../../db/client';
import type { SocialGraph } from '../friends/graph';
import type { FriendGraphInput } from '../model-inputs';
import { takeSnapshot } from '../snapshot';

/** What the child builds the graph from: a database to snapshot, or the snapshot's arrays. */
export type GraphSource = { databaseUrl: string } | { input: FriendGraphInput };

/** The prepared graph and the database id of each of its user indices. */
export interface BoundGraph {
  graph: SocialGraph;
  userIds: Int32Array;
}

/** The friend graph as the database holds it now. */
export async function currentGraph(db: SqlSession & { url: string | null }): Promise<BoundGraph> {
  if (db.url) return prepareGraphInChild({ databaseUrl: db.url });
  const { userIds, itemIds, followFrom, followTo, pairUsers, pairItems, pairWeights } = await takeSnapshot(db);
  // Only what the graph needs crosses to the child, not the whole snapshot.
  return prepareGraphInChild({ input: { userIds, itemIds, followFrom, followTo, pairUsers, pairItems, pairWeights } });
}

export function prepareGraphInChild(source: GraphSource): Promise<BoundGraph> {
  const fromSource = __filename.endsWith('.ts');
  const file = path.join(__dirname, fromSource ? 'friend-graph-worker.ts' : 'friend-graph-worker.js');
  return new Promise((resolve, reject) => {
    // 'advanced' serialisation carries typed arrays as such (copied once, into this process).
    const child = fork(file, [], { execArgv: fromSource ? ['--require', 'tsx/cjs'] : [], serialization: 'advanced' });
    let settled = false;
    const settle = (finish: () => void) => {
      if (settled) return;
      settled = true;
      finish();
    };
    child.once('message', (message: { bound?: BoundGraph; error?: string }) =>
      settle(() => (message.bound ? resolve(message.bound) : reject(new Error(message.error ?? 'friend graph process sent nothing')))),
    );
    child.once('error', (error) => settle(() => reject(error)));
    child.once('exit', (code, signal) => settle(() => reject(new Error(`friend graph process exited (${signal ?? `code ${code}`}) before finishing`))));
    child.send(source);
  });
}
