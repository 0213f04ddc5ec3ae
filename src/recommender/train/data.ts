/**
 * From a database snapshot to each model's training input, and the fixed validation split.
 * The split is a hash of database ids, not a random draw: every model version holds out the
 * same pairs, so versions trained on different days are compared on the same validation
 * data and none of them has trained on it.
 */
import type { Snapshot } from '../snapshot';

const MIN_POSITIVES_FOR_VALIDATION = 5;
const HOLD_OUT_ONE_IN = 5;

/** A stable 32-bit mix of two ids (murmur3 finaliser). */
export function pairHash(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export interface ItemSplit {
  /** 1 where the snapshot pair is held out for validation. */
  heldOut: Uint8Array;
  /** Held-out item indices per user index. */
  byUser: Map<number, Set<number>>;
}

/** Holds out about a fifth of the positives of each user with at least 5 (at least one each). */
export function fixedItemSplit(s: Snapshot): ItemSplit {
  const heldOut = new Uint8Array(s.pairUsers.length);
  const positives = new Map<number, number[]>();
  for (let p = 0; p < s.pairUsers.length; p++) {
    if (s.pairWeights[p] <= 0) continue;
    const list = positives.get(s.pairUsers[p]);
    if (list) list.push(p);
    else positives.set(s.pairUsers[p], [p]);
  }
  const byUser = new Map<number, Set<number>>();
  for (const [user, pairs] of positives) {
    if (pairs.length < MIN_POSITIVES_FOR_VALIDATION) continue;
    const hashes = pairs.map((p) => pairHash(s.userIds[user], s.itemIds[s.pairItems[p]]));
    let chosen = pairs.filter((_, i) => hashes[i] % HOLD_OUT_ONE_IN === 0);
    if (chosen.length === 0) chosen = [pairs[hashes.indexOf(Math.min(...hashes))]];
    if (chosen.length === pairs.length) chosen = chosen.slice(1);
    for (const p of chosen) heldOut[p] = 1;
    byUser.set(user, new Set(chosen.map((p) => s.pairItems[p])));
  }
  return { heldOut, byUser };
}

export interface FriendSplit {
  /** Follow edges (indices into followFrom/To) removed from training, both directions. */
  dropped: Uint8Array;
  /** Held-out friends per user index (each friendship counted for both sides). */
  byUser: Map<number, Set<number>>;
}

/** Holds out about a fifth of the friendships (mutual follows), both directions at once. */
export function fixedFriendSplit(s: Snapshot): FriendSplit {
  const edgeIndex = new Map<number, number>();
  const n = s.userIds.length;
  for (let e = 0; e < s.followFrom.length; e++) edgeIndex.set(s.followFrom[e] * n + s.followTo[e], e);
  const dropped = new Uint8Array(s.followFrom.length);
  const byUser = new Map<number, Set<number>>();
  const add = (a: number, b: number) => {
    const set = byUser.get(a);
    if (set) set.add(b);
    else byUser.set(a, new Set([b]));
  };
  for (let e = 0; e < s.followFrom.length; e++) {
    const a = s.followFrom[e];
    const b = s.followTo[e];
    if (a > b) continue;
    const back = edgeIndex.get(b * n + a);
    if (back === undefined) continue;
    if (pairHash(s.userIds[a], s.userIds[b]) % HOLD_OUT_ONE_IN !== 0) continue;
    dropped[e] = 1;
    dropped[back] = 1;
    add(a, b);
    add(b, a);
  }
  return { dropped, byUser };
}

/** Why a kind cannot be trained on this snapshot, or null when it can. */
export function untrainable(kind: 'ITEMS' | 'FRIENDS', s: Snapshot): string | null {
  if (kind === 'ITEMS') return fixedItemSplit(s).byUser.size === 0 ? 'no user has 5 or more interactions to learn from' : null;
  return fixedFriendSplit(s).byUser.size === 0 ? 'no friendships (mutual follows) to learn from' : null;
}
