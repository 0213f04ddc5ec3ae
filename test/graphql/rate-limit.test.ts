import { startTestServer, type TestServer } from '../helpers/server';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ RATE_LIMIT_PER_MINUTE: '3' });
});
afterAll(() => t.close());

describe('rate limiting', () => {
  it('answers 429 RATE_LIMITED past the budget, per user', async () => {
    const [a, b] = [await t.make.user(), await t.make.user()];
    const tokenA = await t.tokenFor(a.id);
    for (let i = 0; i < 3; i++) expect((await t.gql(`{ viewer { id } }`, {}, tokenA)).status).toBe(200);
    const limited = await t.gql(`{ viewer { id } }`, {}, tokenA);
    expect(limited.status).toBe(429);
    expect(limited.errors?.[0].extensions).toMatchObject({ code: 'RATE_LIMITED' });
    expect((await t.gql(`{ viewer { id } }`, {}, await t.tokenFor(b.id))).status).toBe(200);
  });
});
