import { startTestServer, uid, iid, type TestServer } from '../helpers/server';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

const FOLLOW = `mutation($id: ID!) { follow(userId: $id) { user { handle viewerFollows } viewer { counts { following } } userErrors { code field } } }`;
const UNFOLLOW = `mutation($id: ID!) { unfollow(userId: $id) { user { viewerFollows } userErrors { code } } }`;
const BLOCK = `mutation($id: ID!) { block(userId: $id) { user { viewerBlocks } userErrors { code } } }`;
const UNBLOCK = `mutation($id: ID!) { unblock(userId: $id) { user { viewerBlocks } userErrors { code } } }`;
const LISTS = `query($id: ID!) { user(id: $id) {
  counts { followers following friends }
  followers(first: 10) { edges { node { handle } } }
  following(first: 10) { edges { node { handle } } }
  friends(first: 10) { edges { node { handle } } } } }`;
const handles = (connection: any) => connection.edges.map((e: any) => e.node.handle).sort();

describe('follow graph', () => {
  it('follows, lists followers/following/friends (mutual) and unfollows', async () => {
    const [a, b, c] = [await t.make.user(), await t.make.user(), await t.make.user()];
    const tokenA = await t.tokenFor(a.id);
    const first = await t.gql(FOLLOW, { id: uid(b.id) }, tokenA);
    expect(first.data.follow).toEqual({ user: { handle: b.handle, viewerFollows: true }, viewer: { counts: { following: 1 } }, userErrors: [] });
    // Following twice is harmless: one row per pair.
    expect((await t.gql(FOLLOW, { id: uid(b.id) }, tokenA)).data.follow.viewer.counts.following).toBe(1);
    await t.gql(FOLLOW, { id: uid(a.id) }, await t.tokenFor(b.id));
    await t.gql(FOLLOW, { id: uid(b.id) }, await t.tokenFor(c.id));
    const lists = (await t.gql(LISTS, { id: uid(b.id) })).data.user;
    expect(lists.counts).toEqual({ followers: 2, following: 1, friends: 1 });
    expect(handles(lists.followers)).toEqual([a.handle, c.handle].sort());
    expect(handles(lists.following)).toEqual([a.handle]);
    expect(handles(lists.friends)).toEqual([a.handle]);
    expect((await t.gql(UNFOLLOW, { id: uid(b.id) }, tokenA)).data.unfollow).toEqual({ user: { viewerFollows: false }, userErrors: [] });
    expect((await t.gql(LISTS, { id: uid(b.id) })).data.user.counts).toEqual({ followers: 1, following: 1, friends: 0 });
  });

  it('rejects self-follows, unknown users and anonymous callers', async () => {
    const a = await t.make.user();
    const token = await t.tokenFor(a.id);
    expect((await t.gql(FOLLOW, { id: uid(a.id) }, token)).data.follow.userErrors).toEqual([{ code: 'SELF_REFERENCE', field: ['userId'] }]);
    expect((await t.gql(FOLLOW, { id: uid(999999) }, token)).data.follow.userErrors[0].code).toBe('NOT_FOUND');
    expect((await t.gql(FOLLOW, { id: uid(a.id) })).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('blocks', () => {
  it('removes follows both ways, forbids re-following, and hides each side from the other', async () => {
    const [a, b, c] = [await t.make.user(), await t.make.user(), await t.make.user()];
    await t.make.friends(a.id, b.id);
    await t.make.follow(c.id, b.id);
    const itemOfB = await t.make.item({ authorId: b.id, title: `by-b-${b.id}` });
    const tokenA = await t.tokenFor(a.id);
    const tokenB = await t.tokenFor(b.id);
    expect((await t.gql(BLOCK, { id: uid(b.id) }, tokenA)).data.block).toEqual({ user: { viewerBlocks: true }, userErrors: [] });
    expect(await t.database.db.prisma.follow.count({ where: { OR: [{ followerId: a.id }, { followeeId: a.id }] } })).toBe(0);
    expect((await t.gql(FOLLOW, { id: uid(b.id) }, tokenA)).data.follow.userErrors[0].code).toBe('BLOCKED');
    expect((await t.gql(FOLLOW, { id: uid(a.id) }, tokenB)).data.follow.userErrors[0].code).toBe('NOT_FOUND');
    // Each side disappears from the other's lookups, lists and item results.
    expect((await t.gql(`{ user(id: "${uid(a.id)}") { id } }`, {}, tokenB)).data.user).toBeNull();
    expect((await t.gql(`{ item(id: "${iid(itemOfB.id)}") { id } }`, {}, tokenA)).data.item).toBeNull();
    const items = await t.gql(`{ items(first: 50, filter: { text: "by-b-" }) { edges { node { title } } } }`, {}, tokenA);
    expect(items.data.items.edges).toEqual([]);
    await t.make.follow(a.id, c.id);
    const cFollowing = await t.gql(`{ user(id: "${uid(c.id)}") { following { edges { node { handle } } } } }`, {}, tokenA);
    expect(handles(cFollowing.data.user.following)).toEqual([]);
    const users = await t.gql(`{ users(first: 100, search: "${b.handle}") { edges { node { id } } } }`, {}, tokenA);
    expect(users.data.users.edges).toEqual([]);
    expect((await t.gql(UNBLOCK, { id: uid(b.id) }, tokenA)).data.unblock).toEqual({ user: { viewerBlocks: false }, userErrors: [] });
    expect((await t.gql(`{ user(id: "${uid(a.id)}") { id } }`, {}, tokenB)).data.user).toEqual({ id: uid(a.id) });
  });
});

describe('private users', () => {
  it("shows a private user's follows and interactions to themself, friends and admins only", async () => {
    const [priv, friend, stranger, admin] = [await t.make.user({ isPrivate: true }), await t.make.user(), await t.make.user(), await t.make.user()];
    await t.make.friends(priv.id, friend.id);
    const item = await t.make.item();
    await t.make.interaction(priv.id, item.id, 'LIKE');
    const q = `{ user(id: "${uid(priv.id)}") { handle counts { followers interactions } followers { edges { node { handle } } } interactions { edges { node { type } } } } }`;
    for (const [who, token] of [
      ['self', await t.tokenFor(priv.id)],
      ['friend', await t.tokenFor(friend.id)],
      ['admin', await t.tokenFor(admin.id, true)],
    ] as const) {
      const res = await t.gql(q, {}, token);
      expect([who, res.errors]).toEqual([who, undefined]);
      expect(res.data.user.interactions.edges).toEqual([{ node: { type: 'LIKE' } }]);
    }
    for (const token of [await t.tokenFor(stranger.id), null]) {
      const res = await t.gql(q, {}, token);
      expect(res.data.user.handle).toBe(priv.handle);
      expect(res.data.user.counts.interactions).toBe(0);
      expect(res.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN', 'FORBIDDEN']);
    }
  });
});

describe('deleteUser (privacy erase)', () => {
  it('erases interactions, edges and profile; only self or admin may', async () => {
    const [victim, friend, other] = [await t.make.user({ bio: 'secret bio', externalId: `erase-${Date.now()}` }), await t.make.user(), await t.make.user()];
    await t.make.friends(victim.id, friend.id);
    await t.make.block(victim.id, other.id);
    const item = await t.make.item({ authorId: victim.id });
    await t.make.interaction(victim.id, item.id, 'VIEW');
    const del = `mutation($id: ID!) { deleteUser(id: $id) { erasedUserId userErrors { code } } }`;
    expect((await t.gql(del, { id: uid(victim.id) }, await t.tokenFor(other.id))).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const res = await t.gql(del, { id: uid(victim.id) }, await t.tokenFor(victim.id));
    expect(res.data.deleteUser).toEqual({ erasedUserId: uid(victim.id), userErrors: [] });
    const prisma = t.database.db.prisma;
    expect(await prisma.interaction.count({ where: { userId: victim.id } })).toBe(0);
    expect(await prisma.follow.count({ where: { OR: [{ followerId: victim.id }, { followeeId: victim.id }] } })).toBe(0);
    expect(await prisma.block.count({ where: { OR: [{ blockerId: victim.id }, { blockedId: victim.id }] } })).toBe(0);
    const row = await prisma.user.findUniqueOrThrow({ where: { id: victim.id } });
    expect(row).toMatchObject({ bio: null, externalId: null, displayName: '', handle: `erased-${victim.id}` });
    expect(row.erasedAt).not.toBeNull();
    expect((await prisma.item.findUniqueOrThrow({ where: { id: item.id } })).authorId).toBeNull();
    // Gone for everyone else; a second erase says so.
    expect((await t.gql(`{ user(id: "${uid(victim.id)}") { id } }`, {}, await t.tokenFor(friend.id))).data.user).toBeNull();
    const again = await t.gql(del, { id: uid(victim.id) }, await t.tokenFor(other.id, true));
    expect(again.data.deleteUser.userErrors).toEqual([{ code: 'NOT_FOUND' }]);
  });
});
