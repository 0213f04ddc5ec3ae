/**
 * Ranked lists precomputed by training, one per user with behaviour, and the fingerprint of
 * the state each was ranked from. recommendItems reads nothing of a user but their history
 * (items, weights, hidden items, followees, friends), and ranking is a function of those
 * as sets once they are put in one order (canonicalHistory), so a stored list whose
 * fingerprint equals the current state's is exactly what ranking now would return.
 */
import type { UserHistory } from './data';

export interface StoredLists {
  /** How many items each list holds at most (the ranked prefix a default page asks for). */
  depth: number;
  /** User u's list is entries indptr[u] .. indptr[u+1] (empty: rank live). */
  indptr: Int32Array;
  items: Int32Array;
  /** Exactly the scores ranking gives (float64, so a served score does not depend on where it came from). */
  scores: Float64Array;
  /** Two 32-bit halves of each user's state fingerprint (historyKey). */
  keys: Int32Array;
}

/** A history in the order ranking sees it: each list sorted by index, weights following their items. */
export interface CanonicalHistory extends UserHistory {
  items: Int32Array;
  weights: Float64Array;
  hidden: Int32Array;
  followees: Int32Array;
  friends: Int32Array;
}

export function canonicalHistory(history: UserHistory): CanonicalHistory {
  const order = Array.from(history.items, (_, h) => h).sort((a, b) => history.items[a] - history.items[b]);
  const sorted = (list: ArrayLike<number> | undefined) => Int32Array.from(list ?? []).sort();
  return {
    user: history.user,
    items: Int32Array.from(order, (h) => history.items[h]),
    weights: Float64Array.from(order, (h) => (history.weights ? history.weights[h] : 1)),
    hidden: sorted(history.hidden),
    followees: sorted(history.followees),
    friends: sorted(history.friends),
  };
}

/**
 * A 64-bit fingerprint (two independent 32-bit hashes) of everything ranking reads from a
 * history. A collision would serve a list ranked for another state: about 1 in 2^64.
 */
export function historyKey(h: CanonicalHistory): [number, number] {
  let a = 0x2545f491;
  let b = 0x6a09e667;
  const mix = (value: number) => {
    a = Math.imul(a ^ value, 0x85ebca6b);
    a ^= a >>> 13;
    b = Math.imul(b + value, 0xc2b2ae35) ^ 0x27d4eb2f;
    b ^= b >>> 16;
  };
  const list = (values: ArrayLike<number>, scale = 1) => {
    mix(values.length);
    for (let t = 0; t < values.length; t++) mix(Math.round(values[t] * scale));
  };
  mix(h.user ?? -1);
  list(h.items);
  // Weights are sums of per-type weights (halves and integers): 1/1024 resolves them exactly.
  list(h.weights, 1024);
  list(h.hidden);
  list(h.followees);
  list(h.friends);
  return [a | 0, b | 0];
}
