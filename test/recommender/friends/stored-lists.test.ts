import { deserializeFriendArtifact, deserializeFriendModel, serializeFriendModel } from '../../../src/recommender/friends/artifact';
import { mutualFollows } from '../../../src/recommender/friends/data';
import type { FriendModel } from '../../../src/recommender/friends/model';
import { trainFriendModel } from '../../../src/recommender/train/friends/trainer';
import { followHash, STORED_PER_USER } from '../../../src/recommender/friends/stored-lists';
import { precomputeFriendLists } from '../../../src/recommender/train/friends/precompute';
import { createFriendSuggester } from '../../../src/recommender/friends/suggest';
import { LoadedFriendModel, StoredSuggestions } from '../../../src/recommender/serve/friends';
import { FAST_TRAINING, plantedGraph } from './planted';

describe('stored friend lists', () => {
  const graph = plantedGraph({ seed: 5 });
  const n = graph.numUsers;
  const data = { numUsers: n, follows: mutualFollows(n, graph.edgeA, graph.edgeB), interactions: graph.interactions };
  // Database ids unlike the indices, so a mix-up of the two shows.
  const userIds = Int32Array.from({ length: n }, (_, u) => 1000 + 3 * u);
  const followingOf = (u: number) =>
    new Set([userIds[u], ...Array.from(data.follows.indices.subarray(data.follows.indptr[u], data.follows.indptr[u + 1]), (v) => userIds[v])]);
  let model: FriendModel;
  let bytes: Uint8Array;

  beforeAll(async () => {
    model = await trainFriendModel(data, { seed: 2, ...FAST_TRAINING });
    bytes = serializeFriendModel(model, precomputeFriendLists(createFriendSuggester(model, data), userIds));
  });

  it('serve the same suggestions as the live path while the graph is unchanged', () => {
    const { lists } = deserializeFriendArtifact(bytes);
    const loaded = new LoadedFriendModel(model, data, userIds, new StoredSuggestions(lists!, userIds));
    for (let u = 0; u < n; u++) {
      const following = followingOf(u);
      const stored = loaded.suggestStored(userIds[u], 30, following, following);
      const live = loaded.suggest(userIds[u], 30, following);
      expect(stored).not.toBeNull();
      expect(stored!.map((s) => [s.userId, s.score, s.mutualFriendIds, s.mutualFriendCount])).toEqual(live.map((s) => [s.userId, s.score, s.mutualFriendIds, s.mutualFriendCount]));
      stored!.forEach((s, i) => {
        const want = new Map(live[i].reasons.map((r) => [r.kind, r.weight]));
        expect(s.reasons.map((r) => r.kind).sort()).toEqual([...want.keys()].sort());
        // One byte per reason share: within a rounding step.
        for (const r of s.reasons) expect(Math.abs(r.weight - want.get(r.kind)!)).toBeLessThan(2 / 255);
      });
      // A block made after training drops the blocked user and keeps the rest in order.
      const blocked = live[0].userId;
      const withBlock = loaded.suggestStored(userIds[u], 29, new Set([...following, blocked]), following)!;
      expect(withBlock.map((s) => s.userId)).toEqual(live.slice(1).map((s) => s.userId));
    }
  });

  it('are not used for a user who follows someone new, or whose list runs short', () => {
    const { lists } = deserializeFriendArtifact(bytes);
    const stored = new StoredSuggestions(lists!, userIds);
    const user = userIds[12];
    const following = followingOf(12);
    const first = stored.take(user, 10, new Set(), following)!;
    expect(first).toHaveLength(10);
    expect(stored.take(user, 10, new Set(), new Set([...following, first[0].userId]))).toBeNull();
    following.delete([...following].find((id) => id !== user)!);
    expect(stored.take(user, 10, new Set(), following)).toBeNull();
    const full = followingOf(12);
    const everyone = new Set(userIds);
    expect(stored.take(user, STORED_PER_USER, everyone, full)).toBeNull();
    expect(stored.take(99, 10, new Set(), new Set([99]))).toBeNull();
  });

  it('hash follow sets independently of order', () => {
    expect(followHash([5, 9, 1])).toBe(followHash([1, 5, 9]));
    expect(followHash([5, 9])).not.toBe(followHash([5, 9, 1]));
    expect(followHash([])).not.toBe(followHash([0]));
  });

  it('round-trip in the artifact and keep older artifacts loadable', () => {
    const { model: restored, lists } = deserializeFriendArtifact(bytes);
    expect(serializeFriendModel(restored, lists)).toEqual(bytes);
    expect(lists!.offsets).toHaveLength(n + 1);
    // An FRM1 artifact: the same layout without lists, under the old magic.
    const bare = serializeFriendModel(model);
    const old = bare.slice();
    old.set(new TextEncoder().encode('FRM1'), 0);
    expect(deserializeFriendArtifact(old).lists).toBeNull();
    expect(deserializeFriendModel(old).ranker).toEqual(model.ranker);
    expect(() => deserializeFriendArtifact(bytes.subarray(0, bytes.length - 8))).toThrow(/truncated/);
  });
});
