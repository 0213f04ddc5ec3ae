/**
 * Plain-data input of friend suggestion: typed arrays and numbers only, so it can be
 * transferred to a worker thread as is. Users are dense indices 0..numUsers-1.
 */
import { graphCsr, type Csr } from '../sparse';

/** User-item interactions (e.g. Last.fm plays), one row per user; values > 0. */
export interface InteractionCsr extends Required<Csr> {
  numItems: number;
}

export interface FriendTrainingData {
  numUsers: number;
  /** Directed follows u -> v; a friendship is a follow in both directions. Rows sorted, no duplicates. */
  follows: Csr;
  interactions?: InteractionCsr;
  /** 1 = never suggested to anyone (deactivated, erased); length numUsers when present. */
  excluded?: Uint8Array;
}

/** Friendships given once per pair become follows in both directions. */
export function mutualFollows(numUsers: number, a: ArrayLike<number>, b: ArrayLike<number>): Csr {
  const from = new Int32Array(a.length * 2);
  const to = new Int32Array(a.length * 2);
  for (let e = 0; e < a.length; e++) {
    from[2 * e] = a[e];
    to[2 * e] = b[e];
    from[2 * e + 1] = b[e];
    to[2 * e + 1] = a[e];
  }
  return graphCsr(numUsers, from, to);
}

/** Interactions of (user, item, value) triples; repeated pairs keep the sum of values, added in input order. */
export function buildInteractions(
  numUsers: number,
  numItems: number,
  users: ArrayLike<number>,
  items: ArrayLike<number>,
  values: ArrayLike<number>,
): InteractionCsr {
  // Two stable counting sorts (by item, then by user) order the triples by (user, item) with
  // repeats in input order: linear, where a map of pairs and a sort of its keys were not.
  const count = users.length;
  const byItem = stableOrder(numItems, count, (e) => items[e], null);
  const order = stableOrder(numUsers, count, (e) => users[e], byItem);
  const indptr = new Int32Array(numUsers + 1);
  const indices = new Int32Array(count);
  const vals = new Float32Array(count);
  let w = 0;
  for (let i = 0; i < count; ) {
    const u = users[order[i]];
    const item = items[order[i]];
    // A repeated pair's values summed in a double and rounded once, as the map's running sum was.
    let sum = 0;
    for (; i < count && users[order[i]] === u && items[order[i]] === item; i++) sum += values[order[i]];
    indptr[u + 1]++;
    indices[w] = item;
    vals[w++] = sum;
  }
  for (let u = 0; u < numUsers; u++) indptr[u + 1] += indptr[u];
  return { numItems, indptr, indices: indices.slice(0, w), values: vals.slice(0, w) };
}

/** Indices 0..count-1 (or those of `within`, in its order) stably sorted by key(e) in 0..keys-1. */
function stableOrder(keys: number, count: number, key: (e: number) => number, within: Int32Array | null): Int32Array {
  const start = new Int32Array(keys + 1);
  for (let e = 0; e < count; e++) start[key(e) + 1]++;
  for (let k = 0; k < keys; k++) start[k + 1] += start[k];
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const e = within ? within[i] : i;
    out[start[key(e)]++] = e;
  }
  return out;
}
