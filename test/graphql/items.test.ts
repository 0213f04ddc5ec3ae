import { startTestServer, uid, iid, type TestServer } from '../helpers/server';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

const CREATE = `mutation($input: CreateItemInput!) { createItem(input: $input) { item { id title category tags author { id } hidden } userErrors { field code } } }`;
const UPDATE = `mutation($input: UpdateItemInput!) { updateItem(input: $input) { item { title tags hidden } userErrors { field code } } }`;
const DELETE = `mutation($id: ID!) { deleteItem(id: $id) { deletedItemId userErrors { code } } }`;

describe('items', () => {
  it('creates an item authored by the viewer with normalised tags', async () => {
    const author = await t.make.user();
    const res = await t.gql(CREATE, { input: { title: '  Hello  ', category: 'music', tags: ['Jazz', 'jazz ', 'Live'] } }, await t.tokenFor(author.id));
    expect(res.data.createItem).toMatchObject({
      item: { title: 'Hello', category: 'music', tags: ['jazz', 'live'], author: { id: uid(author.id) }, hidden: false },
      userErrors: [],
    });
    expect((await t.gql(CREATE, { input: { title: 'x' } })).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('validates titles, bodies and tags', async () => {
    const author = await t.make.user();
    const token = await t.tokenFor(author.id);
    const res = await t.gql(CREATE, { input: { title: '', body: 'b'.repeat(20001), tags: Array.from({ length: 21 }, (_, i) => `t${i}`) } }, token);
    expect(res.data.createItem.userErrors.map((e: any) => [e.field.join('.'), e.code]).sort()).toEqual([
      ['input.body', 'INVALID'],
      ['input.tags', 'TOO_MANY'],
      ['input.title', 'INVALID'],
    ]);
    const admin = await t.make.user();
    const forOther = await t.gql(CREATE, { input: { title: 'for someone', authorId: uid(admin.id) } }, token);
    expect(forOther.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const byAdmin = await t.gql(CREATE, { input: { title: 'for someone', authorId: uid(author.id) } }, await t.tokenFor(admin.id, true));
    expect(byAdmin.data.createItem.item.author.id).toBe(uid(author.id));
  });

  it('lets the author or an admin update and delete; hidden items are theirs alone to see', async () => {
    const [author, other, admin] = [await t.make.user(), await t.make.user(), await t.make.user()];
    const item = await t.make.item({ authorId: author.id });
    const tokenAuthor = await t.tokenFor(author.id);
    const tokenOther = await t.tokenFor(other.id);
    expect((await t.gql(UPDATE, { input: { id: iid(item.id), title: 'x' } }, tokenOther)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const hidden = await t.gql(UPDATE, { input: { id: iid(item.id), title: 'Edited', tags: ['A'], hidden: true } }, tokenAuthor);
    expect(hidden.data.updateItem).toEqual({ item: { title: 'Edited', tags: ['a'], hidden: true }, userErrors: [] });
    const q = `{ item(id: "${iid(item.id)}") { title } }`;
    expect((await t.gql(q, {}, tokenOther)).data.item).toBeNull();
    expect((await t.gql(q)).data.item).toBeNull();
    expect((await t.gql(q, {}, tokenAuthor)).data.item.title).toBe('Edited');
    expect((await t.gql(q, {}, await t.tokenFor(admin.id, true))).data.item.title).toBe('Edited');
    expect((await t.gql(DELETE, { id: iid(item.id) }, tokenOther)).data.deleteItem.userErrors[0].code).toBe('NOT_FOUND');
    expect((await t.gql(DELETE, { id: iid(item.id) }, tokenAuthor)).data.deleteItem).toEqual({ deletedItemId: iid(item.id), userErrors: [] });
    expect(await t.database.db.prisma.item.count({ where: { id: item.id } })).toBe(0);
    const visible = await t.make.item({ authorId: author.id });
    expect((await t.gql(DELETE, { id: iid(visible.id) }, tokenOther)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await t.gql(DELETE, { id: iid(visible.id) }, await t.tokenFor(admin.id, true))).data.deleteItem.deletedItemId).toBe(iid(visible.id));
  });

  it('finds items by externalId and filters by category, tags, author and text', async () => {
    const author = await t.make.user();
    const key = `f${Date.now().toString(36)}`;
    const a = await t.make.item({ title: `${key} alpha`, category: `cat-${key}`, tags: ['red', 'big'], authorId: author.id, externalId: `x-${key}` });
    const b = await t.make.item({ title: `${key} beta`, category: `cat-${key}`, tags: ['red'] });
    await t.make.item({ title: `${key} gamma`, body: 'has the word Zebra', category: 'other' });
    const list = async (filter: object) =>
      (await t.gql(`query($f: ItemFilter) { items(first: 20, filter: $f) { edges { node { title } } } }`, { f: filter })).data.items.edges.map((e: any) => e.node.title);
    expect(await list({ category: `cat-${key}` })).toEqual([b.title, a.title]);
    expect(await list({ category: `cat-${key}`, tags: ['RED', 'big'] })).toEqual([a.title]);
    expect(await list({ authorId: uid(author.id) })).toEqual([a.title]);
    expect(await list({ text: 'zebra' })).toEqual([`${key} gamma`]);
    expect((await t.gql(`{ item(externalId: "x-${key}") { id } }`)).data.item.id).toBe(iid(a.id));
  });

  it('counts interactions per type and shows the viewer their own interactions', async () => {
    const [u1, u2] = [await t.make.user(), await t.make.user()];
    const item = await t.make.item();
    await t.make.interaction(u1.id, item.id, 'LIKE');
    await t.make.interaction(u2.id, item.id, 'LIKE');
    await t.make.interaction(u1.id, item.id, 'VIEW');
    const q = `{ item(id: "${iid(item.id)}") { counts { type count } viewerInteractions(first: 5) { edges { node { type user { id } } } } } }`;
    const res = await t.gql(q, {}, await t.tokenFor(u1.id));
    expect(res.data.item.counts).toEqual([{ type: 'LIKE', count: 2 }, { type: 'VIEW', count: 1 }]);
    expect(res.data.item.viewerInteractions.edges.map((e: any) => e.node.type).sort()).toEqual(['LIKE', 'VIEW']);
    expect((await t.gql(q)).data.item.viewerInteractions.edges).toEqual([]);
  });
});
