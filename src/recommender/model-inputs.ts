/**
 * A database snapshot as each model's input. Training and serving both use these: training on
 * a snapshot minus the validation pairs, serving (friends) on the current graph.
 */
import { cooToCsr, graphCsr } from './sparse';
import { buildInteractions, type FriendTrainingData } from './friends/data';
import { type ItemTrainingData } from './items/data';
import { canonicalHistory, type CanonicalHistory } from './items/stored-lists';
import type { Snapshot } from './snapshot';

/** `drop[p] = 1` leaves snapshot pair p out. */
export function itemTrainingData(s: Snapshot, drop?: Uint8Array): ItemTrainingData {
  const keep: number[] = [];
  for (let p = 0; p < s.pairUsers.length; p++) if (!drop || !drop[p]) keep.push(p);
  const follows = cooToCsr(s.userIds.length, s.followFrom, s.followTo);
  return {
    numUsers: s.userIds.length,
    numItems: s.itemIds.length,
    users: Int32Array.from(keep, (p) => s.pairUsers[p]),
    items: Int32Array.from(keep, (p) => s.pairItems[p]),
    weights: Float32Array.from(keep, (p) => s.pairWeights[p]),
    times: Float64Array.from(keep, (p) => s.pairTimes[p]),
    follows: { indptr: follows.indptr, indices: follows.indices },
    itemFeatures: {
      category: s.itemCategory,
      numCategories: s.categories.length,
      tags: { indptr: s.itemTagPtr, indices: s.itemTagIdx },
      numTags: s.tags.length,
      createdAt: s.itemCreatedAt,
    },
  };
}

/** What the friend graph is built from: a snapshot's users, follows and positive pairs. */
export type FriendGraphInput = Pick<Snapshot, 'userIds' | 'itemIds' | 'followFrom' | 'followTo' | 'pairUsers' | 'pairItems' | 'pairWeights'>;

/** `drop[e] = 1` leaves follow edge e out. */
export function friendTrainingData(s: FriendGraphInput, drop?: Uint8Array): FriendTrainingData {
  const from: number[] = [];
  const to: number[] = [];
  for (let e = 0; e < s.followFrom.length; e++) {
    if (drop && drop[e]) continue;
    from.push(s.followFrom[e]);
    to.push(s.followTo[e]);
  }
  const users: number[] = [];
  const items: number[] = [];
  const values: number[] = [];
  for (let p = 0; p < s.pairUsers.length; p++) {
    if (s.pairWeights[p] <= 0) continue;
    users.push(s.pairUsers[p]);
    items.push(s.pairItems[p]);
    values.push(s.pairWeights[p]);
  }
  return {
    numUsers: s.userIds.length,
    follows: graphCsr(s.userIds.length, from, to),
    interactions: values.length > 0 ? buildInteractions(s.userIds.length, s.itemIds.length, users, items, values) : undefined,
  };
}

/**
 * Each user's serving state as the snapshot saw it, in model indices: what loadUserState
 * (user-state.ts) would read for them then. History weights are the undecayed type sums, a
 * HIDE hides the item, and a followee counts when no block stands between the two and they
 * are public or follow back. Users without interactions are left out (they rank live).
 */
export function* servingHistories(s: Snapshot): Generator<CanonicalHistory> {
  const numUsers = s.userIds.length;
  const pairs = cooToCsr(numUsers, s.pairUsers, Int32Array.from(s.pairUsers, (_, p) => p));
  const follows = cooToCsr(numUsers, s.followFrom, s.followTo);
  const edge = (a: number, b: number) => a * numUsers + b;
  const followSet = new Set<number>();
  for (let e = 0; e < s.followFrom.length; e++) followSet.add(edge(s.followFrom[e], s.followTo[e]));
  const blocked = new Set<number>();
  for (let e = 0; e < s.blockFrom.length; e++) {
    blocked.add(edge(s.blockFrom[e], s.blockTo[e]));
    blocked.add(edge(s.blockTo[e], s.blockFrom[e]));
  }
  for (let u = 0; u < numUsers; u++) {
    if (pairs.indptr[u + 1] === pairs.indptr[u]) continue;
    const items: number[] = [];
    const weights: number[] = [];
    const hidden: number[] = [];
    for (let q = pairs.indptr[u]; q < pairs.indptr[u + 1]; q++) {
      const p = pairs.indices[q];
      if (s.pairWeights[p] < 0) hidden.push(s.pairItems[p]);
      else {
        items.push(s.pairItems[p]);
        weights.push(s.pairTypeWeights[p]);
      }
    }
    const followees: number[] = [];
    const friends: number[] = [];
    for (let q = follows.indptr[u]; q < follows.indptr[u + 1]; q++) {
      const v = follows.indices[q];
      if (blocked.has(edge(u, v))) continue;
      const mutual = followSet.has(edge(v, u));
      if (!s.userPrivate[v] || mutual) followees.push(v);
      if (mutual) friends.push(v);
    }
    yield canonicalHistory({ user: u, items, weights, hidden, followees, friends });
  }
}
