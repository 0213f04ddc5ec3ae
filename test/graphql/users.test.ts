import { startTestServer, uid, type TestServer } from '../helpers/server';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

const USER_FIELDS = `id handle displayName bio isPrivate role externalId erased isViewer createdAt`;

describe('user queries', () => {
  it('viewer is null for anonymous requests and the user for a token', async () => {
    const alice = await t.make.user();
    expect((await t.gql(`{ viewer { id } }`)).data.viewer).toBeNull();
    const res = await t.gql(`{ viewer { ${USER_FIELDS} } }`, {}, await t.tokenFor(alice.id));
    expect(res.data.viewer).toMatchObject({ id: uid(alice.id), handle: alice.handle, isViewer: true, erased: false });
  });

  it('finds a user by id, handle or externalId, and wants exactly one of them', async () => {
    const bob = await t.make.user({ externalId: `ext-${Date.now()}` });
    const q = `query($id: ID, $handle: String, $externalId: String) { user(id: $id, handle: $handle, externalId: $externalId) { id handle externalId } }`;
    expect((await t.gql(q, { id: uid(bob.id) })).data.user.handle).toBe(bob.handle);
    expect((await t.gql(q, { handle: bob.handle })).data.user.id).toBe(uid(bob.id));
    const byExternal = await t.gql(q, { externalId: bob.externalId });
    expect(byExternal.data.user.id).toBe(uid(bob.id));
    // externalId is for the user themself and admins only.
    expect(byExternal.data.user.externalId).toBeNull();
    const asSelf = await t.gql(q, { id: uid(bob.id) }, await t.tokenFor(bob.id));
    expect(asSelf.data.user.externalId).toBe(bob.externalId);
    const both = await t.gql(q, { id: uid(bob.id), handle: bob.handle });
    expect(both.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect((await t.gql(q, { handle: 'nobody-here' })).data.user).toBeNull();
  });

  it('pages through users with cursors and searches by handle or name', async () => {
    const tag = `pg${Date.now().toString(36)}`;
    for (let i = 0; i < 5; i++) await t.make.user({ displayName: `${tag} number ${i}` });
    const q = `query($after: String, $search: String) { users(first: 2, after: $after, search: $search) { edges { cursor node { displayName } } pageInfo { hasNextPage hasPreviousPage endCursor } } }`;
    const names: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const res: any = await t.gql(q, { after, search: tag.toUpperCase() });
      names.push(...res.data.users.edges.map((e: any) => e.node.displayName));
      pages++;
      expect(res.data.users.pageInfo.hasPreviousPage).toBe(after !== null);
      if (!res.data.users.pageInfo.hasNextPage) break;
      after = res.data.users.pageInfo.endCursor;
    }
    expect(pages).toBe(3);
    expect(names).toEqual([4, 3, 2, 1, 0].map((i) => `${tag} number ${i}`));
  });
});

describe('createUser / updateUser', () => {
  const create = `mutation($input: CreateUserInput!) { createUser(input: $input) { user { id handle displayName role } userErrors { field message code } } }`;
  const update = `mutation($input: UpdateUserInput!) { updateUser(input: $input) { user { handle displayName bio isPrivate role } userErrors { field message code } } }`;

  it('lets admins create users and refuses everyone else', async () => {
    const admin = await t.make.user({ role: 'ADMIN' });
    const plain = await t.make.user();
    const input = { handle: `new_${Date.now()}`, displayName: 'New Person' };
    expect((await t.gql(create, { input })).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect((await t.gql(create, { input }, await t.tokenFor(plain.id))).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const res = await t.gql(create, { input }, await t.tokenFor(admin.id, true));
    expect(res.data.createUser).toMatchObject({ user: { handle: input.handle, role: 'USER' }, userErrors: [] });
    const again = await t.gql(create, { input }, await t.tokenFor(admin.id, true));
    expect(again.data.createUser.userErrors).toEqual([{ field: ['input', 'handle'], message: expect.any(String), code: 'TAKEN' }]);
  });

  it('reports empty, oversized and malformed strings as userErrors', async () => {
    const admin = await t.make.user();
    const token = await t.tokenFor(admin.id, true);
    const bad = await t.gql(create, { input: { handle: 'has space', displayName: '   ', bio: 'x'.repeat(501) } }, token);
    expect(bad.data.createUser.user).toBeNull();
    expect(bad.data.createUser.userErrors.map((e: any) => e.field.join('.')).sort()).toEqual([
      'input.bio',
      'input.displayName',
      'input.handle',
    ]);
    const long = await t.gql(create, { input: { handle: 'h'.repeat(31), displayName: 'ok' } }, token);
    expect(long.data.createUser.userErrors[0]).toMatchObject({ code: 'INVALID', field: ['input', 'handle'] });
  });

  it('lets a user edit themself, not others; only admins change roles', async () => {
    const me = await t.make.user();
    const other = await t.make.user();
    const mine = await t.tokenFor(me.id);
    const res = await t.gql(update, { input: { id: uid(me.id), displayName: 'Renamed', bio: 'hi', isPrivate: true } }, mine);
    expect(res.data.updateUser).toEqual({
      user: { handle: me.handle, displayName: 'Renamed', bio: 'hi', isPrivate: true, role: 'USER' },
      userErrors: [],
    });
    expect((await t.gql(update, { input: { id: uid(other.id), displayName: 'x' } }, mine)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await t.gql(update, { input: { id: uid(me.id), role: 'ADMIN' } }, mine)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const promoted = await t.gql(update, { input: { id: uid(other.id), role: 'ADMIN' } }, await t.tokenFor(me.id, true));
    expect(promoted.data.updateUser.user.role).toBe('ADMIN');
    const taken = await t.gql(update, { input: { id: uid(me.id), handle: other.handle } }, mine);
    expect(taken.data.updateUser.userErrors[0].code).toBe('TAKEN');
  });
});

describe('node', () => {
  it('resolves users and items by global id and rejects malformed ids', async () => {
    const user = await t.make.user();
    const item = await t.make.item({ authorId: user.id });
    const q = `query($id: ID!) { node(id: $id) { __typename id ... on User { handle } ... on Item { title } } }`;
    expect((await t.gql(q, { id: uid(user.id) })).data.node).toMatchObject({ __typename: 'User', handle: user.handle });
    const itemId = Buffer.from(`Item:${item.id}`).toString('base64url');
    expect((await t.gql(q, { id: itemId })).data.node).toMatchObject({ __typename: 'Item', title: item.title });
    for (const id of ['garbage', Buffer.from('User:abc').toString('base64url'), Buffer.from('Nope:1').toString('base64url')]) {
      expect((await t.gql(q, { id })).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    }
    const wrongType = await t.gql(`{ user(id: "${itemId}") { id } }`);
    expect(wrongType.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});
