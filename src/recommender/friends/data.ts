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

/** Interactions of (user, item, value) triples; repeated pairs keep the sum of values. */
export function buildInteractions(
  numUsers: number,
  numItems: number,
  users: ArrayLike<number>,
  items: ArrayLike<number>,
  values: ArrayLike<number>,
): InteractionCsr {
  const byPair = new Map<number, number>();
  for (let e = 0; e < users.length; e++) {
    const key = users[e] * numItems + items[e];
    byPair.set(key, (byPair.get(key) ?? 0) + values[e]);
  }
  const keys = [...byPair.keys()].sort((x, y) => x - y);
  const indptr = new Int32Array(numUsers + 1);
  const indices = new Int32Array(keys.length);
  const vals = new Float32Array(keys.length);
  keys.forEach((key, i) => {
    const u = Math.floor(key / numItems);
    indptr[u + 1]++;
    indices[i] = key - u * numItems;
    vals[i] = byPair.get(key)!;
  });
  for (let u = 0; u < numUsers; u++) indptr[u + 1] += indptr[u];
  return { numItems, indptr, indices, values: vals };
}
