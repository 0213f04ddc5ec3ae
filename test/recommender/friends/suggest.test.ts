import { graphCsr } from '../../../src/recommender/sparse';
import { buildInteractions, mutualFollows } from '../../../src/recommender/friends/data';
import { trainFriendModel } from '../../../src/recommender/train/friends/trainer';
import { createFriendSuggester, suggest } from '../../../src/recommender/friends/suggest';
import { FAST_TRAINING, plantedGraph } from './planted';

describe('suggest', () => {
  const graph = plantedGraph({ seed: 7 });
  const n = graph.numUsers;
  const follows = mutualFollows(n, graph.edgeA, graph.edgeB);
  const friendsOf = (u: number) => new Set(follows.indices.subarray(follows.indptr[u], follows.indptr[u + 1]));
  let model: Awaited<ReturnType<typeof trainFriendModel>>;

  beforeAll(async () => {
    model = await trainFriendModel({ numUsers: n, follows, interactions: graph.interactions }, { seed: 1, ...FAST_TRAINING });
  });

  it('never suggests the user, existing friends, excluded users or the per-call exclusions', () => {
    const excluded = new Uint8Array(n);
    for (let u = 0; u < n; u += 7) excluded[u] = 1;
    const suggester = createFriendSuggester(model, { numUsers: n, follows, interactions: graph.interactions, excluded });
    const perCall = new Set([1, 2, 3, 4, 5, 6, 8, 9]);
    for (let user = 0; user < n; user += 5) {
      const friends = friendsOf(user);
      const list = suggest(suggester, user, 30, perCall);
      expect(list.length).toBeGreaterThan(0);
      for (const s of list) {
        expect(s.user).not.toBe(user);
        expect(friends.has(s.user)).toBe(false);
        expect(excluded[s.user]).toBe(0);
        expect(perCall.has(s.user)).toBe(false);
      }
      const byFunction = suggest(suggester, user, 30, (v) => v % 2 === 0);
      for (const s of byFunction) expect(s.user % 2).toBe(1);
    }
  });

  it('returns scores best first with true mutual friends and reasons that sum to 1', () => {
    const suggester = createFriendSuggester(model, { numUsers: n, follows, interactions: graph.interactions });
    const list = suggest(suggester, 12, 10);
    expect(list).toHaveLength(10);
    for (let i = 1; i < list.length; i++) expect(list[i - 1].score).toBeGreaterThanOrEqual(list[i].score);
    const mine = friendsOf(12);
    for (const s of list) {
      const theirs = friendsOf(s.user);
      expect(s.mutualFriends).toEqual([...mine].filter((w) => theirs.has(w)).sort((a, b) => a - b));
      expect(s.reasons.reduce((sum, r) => sum + r.weight, 0)).toBeCloseTo(1, 5);
      if (s.mutualFriends.length === 0) expect(s.reasons.map((r) => r.kind)).not.toContain('MUTUAL_FRIENDS');
    }
  });

  it('reads directed follows: a follower is a candidate, a followed user is not', () => {
    // 0 and 1 are friends; 2 follows 0 without being followed back; 0 follows 3.
    const from = [0, 1, 2, 0, 1, 3, 4, 2];
    const to = [1, 0, 0, 3, 4, 1, 1, 4];
    const data = {
      numUsers: 5,
      follows: graphCsr(5, from, to),
      interactions: buildInteractions(5, 3, [0, 1, 2, 3, 4], [0, 0, 1, 2, 0], [1, 1, 1, 1, 1]),
    };
    const suggester = createFriendSuggester(model, data);
    const list = suggest(suggester, 0, 10);
    const users = list.map((s) => s.user);
    expect(users).toContain(2);
    expect(users).not.toContain(1);
    expect(users).not.toContain(3);
    const follower = list.find((s) => s.user === 2)!;
    expect(follower.mutualFriends).toEqual([]);
    expect(() => suggest(suggester, 5, 10)).toThrow(RangeError);
  });
});
