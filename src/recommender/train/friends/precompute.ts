/** Training's last step for FRIENDS: every user's stored suggestion list (friends/stored-lists.ts). */
import { followHash, KINDS, STORED_PER_USER, STORED_REASON_KINDS, type StoredFriendLists } from '../../friends/stored-lists';
import { suggestForList, type FriendSuggester } from '../../friends/suggest';

/** The top `perUser` suggestions of every user on the suggester's graph; `userIds` maps indices to database ids. */
export function precomputeFriendLists(suggester: FriendSuggester, userIds: Int32Array, perUser = STORED_PER_USER): StoredFriendLists {
  const n = suggester.graph.numUsers;
  const follows = suggester.graph.follows;
  const offsets = new Int32Array(n + 1);
  const followHashes = new Uint32Array(n);
  // Written in place at the worst-case size and trimmed once: no per-entry objects kept.
  const users = new Int32Array(n * perUser);
  const scores = new Float32Array(n * perUser);
  const reasons = new Uint8Array(n * perUser * KINDS);
  let e = 0;
  for (let u = 0; u < n; u++) {
    for (const s of suggestForList(suggester, u, perUser)) {
      users[e] = s.user;
      scores[e] = s.score;
      for (const r of s.reasons) {
        const k = STORED_REASON_KINDS.indexOf(r.kind as (typeof STORED_REASON_KINDS)[number]);
        // A present reason keeps at least one unit, so rounding never drops it.
        if (k >= 0) reasons[e * KINDS + k] = Math.max(1, Math.round(r.weight * 255));
      }
      e++;
    }
    offsets[u + 1] = e;
    const followees = follows.indices.subarray(follows.indptr[u], follows.indptr[u + 1]);
    followHashes[u] = followHash(Array.from(followees, (v) => userIds[v]));
  }
  return {
    perUser,
    offsets,
    users: users.slice(0, e),
    scores: scores.slice(0, e),
    reasons: reasons.slice(0, e * KINDS),
    followHash: followHashes,
  };
}
