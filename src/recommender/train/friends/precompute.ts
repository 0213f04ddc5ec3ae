/** Training's last step for FRIENDS: every user's stored suggestion list (friends/stored-lists.ts). */
import { followHash, KINDS, STORED_PER_USER, STORED_REASON_KINDS, type StoredFriendLists } from '../../friends/stored-lists';
import { suggest, type FriendSuggester } from '../../friends/suggest';

/** The top `perUser` suggestions of every user on the suggester's graph; `userIds` maps indices to database ids. */
export function precomputeFriendLists(suggester: FriendSuggester, userIds: Int32Array, perUser = STORED_PER_USER): StoredFriendLists {
  const n = suggester.graph.numUsers;
  const offsets = new Int32Array(n + 1);
  const hashes = new Uint32Array(n);
  const rows: ReturnType<typeof suggest>[] = [];
  const follows = suggester.graph.follows;
  for (let u = 0; u < n; u++) {
    const row = suggest(suggester, u, perUser);
    rows.push(row);
    offsets[u + 1] = offsets[u] + row.length;
    const followees = follows.indices.subarray(follows.indptr[u], follows.indptr[u + 1]);
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
