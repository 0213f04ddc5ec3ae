import { startTestServer, uid, iid, type TestServer } from '../helpers/server';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ MAX_BATCH_SIZE: '5' });
});
afterAll(() => t.close());

const RECORD = `mutation($input: InteractionInput!) { recordInteraction(input: $input) {
  interaction { id type value createdAt recommendationId user { id } item { id } } userErrors { field code } } }`;
const RECORD_MANY = `mutation($input: [InteractionInput!]!) { recordInteractions(input: $input) {
  interactions { type item { id } } userErrors { field code message } } }`;

describe('recordInteraction', () => {
  it("records the viewer's interaction with value, client time and attribution", async () => {
    const [user, item] = [await t.make.user(), await t.make.item()];
    const occurredAt = '2024-05-01T10:00:00.000Z';
    const res = await t.gql(
      RECORD,
      { input: { itemId: iid(item.id), type: 'RATE', value: 4.5, occurredAt, recommendationId: 'rec-123' } },
      await t.tokenFor(user.id),
    );
    expect(res.data.recordInteraction).toMatchObject({
      interaction: { type: 'RATE', value: 4.5, createdAt: occurredAt, recommendationId: 'rec-123', user: { id: uid(user.id) }, item: { id: iid(item.id) } },
      userErrors: [],
    });
  });

  it('rejects future times, unknown items, other users (unless admin) and anonymous callers', async () => {
    const [user, other, item] = [await t.make.user(), await t.make.user(), await t.make.item()];
    const token = await t.tokenFor(user.id);
    const future = new Date(Date.now() + 3600_000).toISOString();
    const bad = await t.gql(RECORD, { input: { itemId: iid(987654), type: 'LIKE', occurredAt: future } }, token);
    expect(bad.data.recordInteraction.userErrors).toEqual([
      { field: ['input', 'itemId'], code: 'NOT_FOUND' },
      { field: ['input', 'occurredAt'], code: 'INVALID' },
    ]);
    const forOther = { input: { itemId: iid(item.id), type: 'LIKE', userId: uid(other.id) } };
    expect((await t.gql(RECORD, forOther, token)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const byAdmin = await t.gql(RECORD, forOther, await t.tokenFor(user.id, true));
    expect(byAdmin.data.recordInteraction.interaction.user.id).toBe(uid(other.id));
    expect((await t.gql(RECORD, { input: { itemId: iid(item.id), type: 'LIKE' } })).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const badEnum = await t.gql(RECORD, { input: { itemId: iid(item.id), type: 'LOVE' } }, token);
    expect(badEnum.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('recordInteractions', () => {
  it('writes a whole batch', async () => {
    const [user, a, b] = [await t.make.user(), await t.make.item(), await t.make.item()];
    const res = await t.gql(
      RECORD_MANY,
      { input: [{ itemId: iid(a.id), type: 'VIEW' }, { itemId: iid(b.id), type: 'LIKE' }] },
      await t.tokenFor(user.id),
    );
    expect(res.data.recordInteractions.userErrors).toEqual([]);
    expect(res.data.recordInteractions.interactions.map((i: any) => i.type)).toEqual(['VIEW', 'LIKE']);
  });

  it('writes nothing when any entry is invalid, naming the entry', async () => {
    const [user, a] = [await t.make.user(), await t.make.item()];
    const res = await t.gql(
      RECORD_MANY,
      { input: [{ itemId: iid(a.id), type: 'VIEW' }, { itemId: iid(55555555), type: 'LIKE' }] },
      await t.tokenFor(user.id),
    );
    expect(res.data.recordInteractions).toEqual({
      interactions: [],
      userErrors: [{ field: ['input', '1', 'itemId'], code: 'NOT_FOUND', message: 'No such item' }],
    });
    expect(await t.database.db.prisma.interaction.count({ where: { userId: user.id } })).toBe(0);
  });

  it('refuses a batch over the maximum', async () => {
    const [user, a] = [await t.make.user(), await t.make.item()];
    const input = Array.from({ length: 6 }, () => ({ itemId: iid(a.id), type: 'VIEW' }));
    const res = await t.gql(RECORD_MANY, { input }, await t.tokenFor(user.id));
    expect(res.data.recordInteractions.userErrors).toEqual([{ field: ['input'], code: 'TOO_MANY', message: 'At most 5 interactions per batch, got 6' }]);
    expect(await t.database.db.prisma.interaction.count({ where: { userId: user.id } })).toBe(0);
  });
});
