/**
 * Each user's ranked suggestions, computed by training on the graph the version was trained
 * from and stored in its artifact, so serving answers a user whose follows have not changed
 * since by filtering a list instead of finding and ranking candidates (docs/decisions/005).
 * A list is current for a user while the set of people they follow hashes to the stored
 * followHash; otherwise serving ranks them live from the current graph.
 */
import type { Csr } from './data';
import { suggest, type FriendReason, type FriendSuggester } from './suggest';

/** Suggestions stored per user: a first page of 10 plus room for exclusions and paging. */
export const STORED_PER_USER = 50;

/** Reason kinds stored as one byte each, the share of the score times 255; all zero is POPULAR. */
export const STORED_REASON_KINDS = ['MUTUAL_FRIENDS', 'SHARED_INTERESTS', 'FOLLOWED_BY_YOUR_FRIENDS', 'FOLLOWS_YOU'] as const;
const KINDS = STORED_REASON_KINDS.length;

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

/** The top `perUser` suggestions of every user on the suggester's graph; `userIds` maps indices to database ids. */
export function precomputeFriendLists(suggester: FriendSuggester, userIds: Int32Array, perUser = STORED_PER_USER): StoredFriendLists {
  const n = suggester.graph.numUsers;
  const offsets = new Int32Array(n + 1);
  const hashes = new Uint32Array(n);
  const rows: ReturnType<typeof suggest>[] = [];
  const follows: Csr = suggester.graph.follows;
  for (let u = 0; u < n; u++) {
    const row = suggest(suggester, u, perUser);
    rows.push(row);
    offsets[u + 1] = offsets[u] + row.length;
    const followees = follows.targets.subarray(follows.offsets[u], follows.offsets[u + 1]);
    hashes[u] = followHash(Array.from(followees, (v) => userIds[v]));
  }
  const total = offsets[n];
  const lists: StoredFriendLists = {
    perUser,
    offsets,
    users: new Int32Array(total),
    scores: new Float32Array(total),
    reasons: new Uint8Array(total * KINDS),
    followHash: hashes,
  };
  rows.forEach((row, u) => {
    row.forEach((s, i) => {
      const e = offsets[u] + i;
      lists.users[e] = s.user;
      lists.scores[e] = s.score;
      for (const r of s.reasons) {
        const k = STORED_REASON_KINDS.indexOf(r.kind as (typeof STORED_REASON_KINDS)[number]);
        // A present reason keeps at least one unit, so rounding never drops it.
        if (k >= 0) lists.reasons[e * KINDS + k] = Math.max(1, Math.round(r.weight * 255));
      }
    });
  });
  return lists;
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
