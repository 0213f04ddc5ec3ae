import { startTestServer, uid, iid, type TestServer } from '../helpers/server';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ RATE_LIMIT_PER_MINUTE: '0' });
});
afterAll(() => t.close());

/** Recommendation fields without a trained model: the SQL fallbacks answer, and say so. */
describe('recommendation API (fallbacks)', () => {
  async function scene() {
    const [a, b, c, d] = [await t.make.user(), await t.make.user(), await t.make.user(), await t.make.user()];
    const key = Date.now().toString(36);
    const [x, y, z] = [
      await t.make.item({ category: `music-${key}`, tags: ['jazz'] }),
      await t.make.item({ category: `music-${key}`, tags: ['rock'] }),
      await t.make.item({ category: `books-${key}` }),
    ];
    await t.make.friends(a.id, b.id);
    await t.make.friends(b.id, c.id);
    await t.make.follow(d.id, c.id);
    for (const [u, i] of [[b, x], [b, y], [c, x], [c, y], [c, z], [a, z], [d, y]] as const) await t.make.interaction(u.id, i.id, 'LIKE');
    return { a, b, c, d, x, y, z, key };
  }

  it('recommends unseen trending items to the user themself or an admin only', async () => {
    const { a, b, x, y, z, key } = await scene();
    const q = `query($id: ID!, $f: RecommendationFilter) { user(id: $id) { recommendedItems(first: 5, filter: $f) {
      source recommendationId edges { node { id } reasons { kind } } pageInfo { hasNextPage endCursor } } } }`;
    const mine = (await t.gql(q, { id: uid(a.id), f: { category: `music-${key}` } }, await t.tokenFor(a.id))).data.user.recommendedItems;
    expect(mine.source).toBe('FALLBACK');
    expect(mine.recommendationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(mine.edges.map((e: any) => e.node.id).sort()).toEqual([iid(x.id), iid(y.id)].sort());
    expect(mine.edges.every((e: any) => e.reasons[0].kind === 'TRENDING')).toBe(true);
    const tagged = (await t.gql(q, { id: uid(a.id), f: { category: `music-${key}`, tags: ['jazz'] } }, await t.tokenFor(a.id))).data.user.recommendedItems;
    expect(tagged.edges.map((e: any) => e.node.id)).toEqual([iid(x.id)]);
    const unseenOnly = (await t.gql(q, { id: uid(a.id), f: { category: `books-${key}` } }, await t.tokenFor(a.id))).data.user.recommendedItems;
    expect(unseenOnly.edges).toEqual([]);
    const seenToo = (await t.gql(q, { id: uid(a.id), f: { category: `books-${key}`, excludeSeen: false } }, await t.tokenFor(a.id))).data.user.recommendedItems;
    expect(seenToo.edges.map((e: any) => e.node.id)).toEqual([iid(z.id)]);
    expect((await t.gql(q, { id: uid(a.id) }, await t.tokenFor(b.id))).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await t.gql(q, { id: uid(a.id) })).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect((await t.gql(q, { id: uid(a.id) }, await t.tokenFor(b.id, true))).data.user.recommendedItems.edges.length).toBeGreaterThan(0);
  });

  it('pages a recommendation list under one recommendationId', async () => {
    const { a } = await scene();
    for (let i = 0; i < 5; i++) {
      const item = await t.make.item();
      await t.make.interaction((await t.make.user()).id, item.id, 'LIKE');
    }
    const q = `query($id: ID!, $after: String) { user(id: $id) { recommendedItems(first: 2, after: $after) {
      recommendationId edges { node { id } } pageInfo { hasNextPage endCursor } } } }`;
    const token = await t.tokenFor(a.id);
    const first = (await t.gql(q, { id: uid(a.id) }, token)).data.user.recommendedItems;
    const second = (await t.gql(q, { id: uid(a.id), after: first.pageInfo.endCursor }, token)).data.user.recommendedItems;
    expect(first.pageInfo.hasNextPage).toBe(true);
    expect(second.recommendationId).toBe(first.recommendationId);
    const ids = [...first.edges, ...second.edges].map((e: any) => e.node.id);
    expect(new Set(ids).size).toBe(4);
  });

  it('suggests friends of friends with mutual friends, never existing follows or blocked users', async () => {
    const { a, b, c, d } = await scene();
    const q = `query($id: ID!) { user(id: $id) { friendSuggestions(first: 10) { source edges { node { id } score mutualFriendCount mutualFriends { id } reasons { kind weight } } } } }`;
    const res = (await t.gql(q, { id: uid(a.id) }, await t.tokenFor(a.id))).data.user.friendSuggestions;
    expect(res.source).toBe('FALLBACK');
    expect(res.edges).toEqual([{ node: { id: uid(c.id) }, score: 1, mutualFriendCount: 1, mutualFriends: [{ id: uid(b.id) }], reasons: [{ kind: 'MUTUAL_FRIENDS', weight: 1 }] }]);
    await t.make.block(c.id, a.id);
    expect((await t.gql(q, { id: uid(a.id) }, await t.tokenFor(a.id))).data.user.friendSuggestions.edges).toEqual([]);
    expect((await t.gql(q, { id: uid(a.id) }, await t.tokenFor(d.id))).errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('finds similar items, similar users and trending items', async () => {
    const { a, c, d, x, y, key } = await scene();
    const similar = await t.gql(`{ item(id: "${iid(x.id)}") { similarItems(first: 5) { edges { score node { id } } } } }`);
    expect(similar.data.item.similarItems.edges[0]).toEqual({ score: 2, node: { id: iid(y.id) } });
    const users = await t.gql(`{ user(id: "${uid(d.id)}") { similarUsers(first: 5) { edges { score node { id } } } } }`, {}, await t.tokenFor(d.id));
    expect(users.data.user.similarUsers.edges.map((e: any) => e.node.id)).toContain(uid(c.id));
    expect((await t.gql(`{ user(id: "${uid(d.id)}") { similarUsers { edges { score } } } }`, {}, await t.tokenFor(a.id))).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const trending = await t.gql(`{ trendingItems(first: 2, window: DAY, category: "music-${key}") { edges { score node { id } } pageInfo { hasNextPage } } }`);
    expect(trending.data.trendingItems.edges.map((e: any) => e.node.id).sort()).toEqual([iid(x.id), iid(y.id)].sort());
    expect(trending.data.trendingItems.edges[0].score).toBeGreaterThan(0);
  });
});

describe('what ranked lists may show', () => {
  it('drops hidden items and items of an author in a block with the viewer, in either direction', async () => {
    const [viewer, blocker, blocked, fan] = [await t.make.user(), await t.make.user(), await t.make.user(), await t.make.user()];
    const seed = await t.make.item();
    const open = await t.make.item();
    const hidden = await t.make.item({ hidden: true });
    const [byBlocker, byBlocked] = [await t.make.item({ authorId: blocker.id }), await t.make.item({ authorId: blocked.id })];
    for (const item of [seed, open, hidden, byBlocker, byBlocked]) await t.make.interaction(fan.id, item.id, 'LIKE');
    await t.make.block(blocker.id, viewer.id);
    await t.make.block(viewer.id, blocked.id);
    const similar = async (token: string) => {
      const res = await t.gql(`{ item(id: "${iid(seed.id)}") { similarItems(first: 10) { edges { node { id } } } } }`, {}, token);
      return res.data.item.similarItems.edges.map((e: any) => e.node.id).sort();
    };
    expect(await similar(await t.tokenFor(viewer.id))).toEqual([iid(open.id)]);
    expect(await similar(await t.tokenFor(blocker.id))).toEqual([iid(open.id), iid(byBlocker.id), iid(byBlocked.id)].sort());
    // Admins see past blocks.
    expect(await similar(await t.tokenFor(viewer.id, true))).toEqual([iid(open.id), iid(byBlocker.id), iid(byBlocked.id)].sort());
  });
});

describe('model administration', () => {
  it('lists model versions and training runs to admins only', async () => {
    const admin = await t.make.user();
    await t.database.db.prisma.trainingRun.create({ data: { kind: 'ITEMS', trigger: 'MANUAL', state: 'FAILED', outcome: 'FAILED', error: 'boom', finishedAt: new Date() } });
    const q = `{ modelVersions(first: 5) { edges { node { id } } } trainingRuns(first: 5, kind: ITEMS) { edges { node { id kind state outcome error durationMs version { id } } } } }`;
    const res = await t.gql(q, {}, await t.tokenFor(admin.id, true));
    expect(res.data.modelVersions.edges).toEqual([]);
    expect(res.data.trainingRuns.edges[0].node).toMatchObject({ kind: 'ITEMS', state: 'FAILED', outcome: 'FAILED', error: 'boom', version: null });
    expect((await t.gql(q, {}, await t.tokenFor(admin.id))).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const activate = await t.gql(`mutation { activateModelVersion(id: "${Buffer.from('ModelVersion:999').toString('base64url')}") { version { id } userErrors { code } } }`, {}, await t.tokenFor(admin.id, true));
    expect(activate.data.activateModelVersion).toEqual({ version: null, userErrors: [{ code: 'NOT_FOUND' }] });
  });
});
