/**
 * Each user's ranked suggestions, computed by training (train/friends/precompute.ts) on the
 * graph the version was trained from and stored in its artifact, so serving answers a user
 * whose follows have not changed since by filtering a list instead of finding and ranking
 * candidates (docs/decisions/007). A list is current for a user while the set of people they
 * follow hashes to the stored followHash; otherwise serving ranks them live.
 */
import type { FriendReason } from './suggest';

/** Suggestions stored per user: a first page of 10 plus room for exclusions and paging. */
export const STORED_PER_USER = 50;

/** Reason kinds stored as one byte each, the share of the score times 255; all zero is POPULAR. */
export const STORED_REASON_KINDS = ['MUTUAL_FRIENDS', 'SHARED_INTERESTS', 'FOLLOWED_BY_YOUR_FRIENDS', 'FOLLOWS_YOU'] as const;
export const KINDS = STORED_REASON_KINDS.length;

export interface StoredFriendLists {
  perUser: number;
  /** Row per user index: entries offsets[u] .. offsets[u + 1], best first. */
  offsets: Int32Array;
  /** Suggested user indices. */
  users: Int32Array;
  scores: Float32Array;
  /** KINDS bytes per entry, in STORED_REASON_KINDS order. */
  reasons: Uint8Array;
  /** followHash() of each user's followees' database ids when the lists were computed. */
  followHash: Uint32Array;
}

/** Order-independent hash of a set of database ids (a sum of mixed ids, then the count). */
export function followHash(ids: Iterable<number>): number {
  let sum = 0;
  let count = 0;
  for (const id of ids) {
    sum = (sum + mix(id)) >>> 0;
    count++;
  }
  return (sum ^ Math.imul(count, 0x9e3779b1)) >>> 0;
}

/** murmur3's 32-bit finaliser: spreads neighbouring ids over the whole range. */
function mix(x: number): number {
  let h = x | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The stored reasons of entry `e`, heaviest first, weights summing to 1 (as suggest() gives them). */
export function storedReasons(lists: StoredFriendLists, e: number): FriendReason[] {
  const reasons: FriendReason[] = [];
  let total = 0;
  for (let k = 0; k < KINDS; k++) {
    const units = lists.reasons[e * KINDS + k];
    if (units === 0) continue;
    reasons.push({ kind: STORED_REASON_KINDS[k], weight: units });
    total += units;
  }
  if (total === 0) return [{ kind: 'POPULAR', weight: 1 }];
  return reasons.map((r) => ({ kind: r.kind, weight: r.weight / total })).sort((a, b) => b.weight - a.weight);
}

/** Bytes the lists take in an artifact and, as typed arrays, in a serving process. */
export function storedListBytes(lists: StoredFriendLists): number {
  return lists.offsets.byteLength + lists.users.byteLength + lists.scores.byteLength + lists.reasons.byteLength + lists.followHash.byteLength;
}
