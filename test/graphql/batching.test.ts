import { QUIET, startTestServer, type TestServer } from '../helpers/server';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer(QUIET);
});
afterAll(() => t.close());

/**
 * DataLoader batching, proven by counting SQL statements: the cost of a page must not grow
 * with the number of users on it.
 */
describe('N+1 protection', () => {
  async function seed(n: number, tag: string) {
    for (let i = 0; i < n; i++) {
      const user = await t.make.user({ displayName: `${tag} ${i}` });
      const fan = await t.make.user();
      await t.make.follow(fan.id, user.id);
      const item = await t.make.item({ authorId: user.id });
      await t.make.item({ authorId: user.id });
      await t.make.interaction(fan.id, item.id, 'LIKE');
    }
  }

  const query = (first: number, tag: string) => `{ users(first: ${first}, search: "${tag}") { edges { node {
    handle viewerFollows counts { followers following friends items interactions }
    items(first: 3) { edges { node { title author { handle } counts { type count } } } }
  } } } }`;

  async function queriesFor(first: number, tag: string) {
    const before = t.database.db.queryCount.value;
    const res = await t.gql(query(first, tag), {}, await t.tokenFor(1));
    expect(res.errors).toBeUndefined();
    expect(res.data.users.edges).toHaveLength(first);
    return t.database.db.queryCount.value - before;
  }

  it('costs the same number of queries for 2 users as for 12', async () => {
    await seed(12, 'batchtag');
    const small = await queriesFor(2, 'batchtag');
    const large = await queriesFor(12, 'batchtag');
    expect(large).toBe(small);
    expect(large).toBeLessThanOrEqual(15);
  });
});
