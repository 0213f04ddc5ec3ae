/** Seeded random hold-out of undirected friendships, shared by evaluation and ranker training. */
import { Rng } from '../../eval/rng';
import { FriendTrainingData, mutualFollows } from '../../friends/data';
import { rowHas } from '../../sparse';

export interface FriendshipSplit {
  /** Kept friendships as mutual follows. */
  follows: FriendTrainingData['follows'];
  /** Held-out friends per user (both endpoints of every held-out pair). */
  heldOut: Map<number, Set<number>>;
  kept: number;
  held: number;
}

/** Holds out round(fraction * pairs) pairs chosen uniformly (partial Fisher-Yates). */
export function holdOutFriendships(
  numUsers: number,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  fraction: number,
  rng: Rng,
): FriendshipSplit {
  const count = a.length;
  const order = Int32Array.from({ length: count }, (_, i) => i);
  const held = Math.round(fraction * count);
  for (let i = 0; i < held; i++) {
    const j = i + Math.floor(rng() * (count - i));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  const heldOut = new Map<number, Set<number>>();
  const add = (u: number, v: number) => {
    let set = heldOut.get(u);
    if (!set) heldOut.set(u, (set = new Set()));
    set.add(v);
  };
  for (let i = 0; i < held; i++) {
    add(a[order[i]], b[order[i]]);
    add(b[order[i]], a[order[i]]);
  }
  const keptA = new Int32Array(count - held);
  const keptB = new Int32Array(count - held);
  for (let i = held; i < count; i++) {
    keptA[i - held] = a[order[i]];
    keptB[i - held] = b[order[i]];
  }
  return { follows: mutualFollows(numUsers, keptA, keptB), heldOut, kept: count - held, held };
}

/** Friendships (u < v, follows in both directions) of a follow graph, once each. */
export function mutualPairs(numUsers: number, follows: FriendTrainingData['follows']): [Int32Array, Int32Array] {
  const a: number[] = [];
  const b: number[] = [];
  for (let u = 0; u < numUsers; u++) {
    for (let i = follows.indptr[u]; i < follows.indptr[u + 1]; i++) {
      const v = follows.indices[i];
      if (v > u && rowHas(follows, v, u)) {
        a.push(u);
        b.push(v);
      }
    }
  }
  return [Int32Array.from(a), Int32Array.from(b)];
}
