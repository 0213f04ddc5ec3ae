/**
 * HTTP-level behaviour clients depend on: Apollo's automatic persisted queries in production
 * mode (the miss must reach the client as PERSISTED_QUERY_NOT_FOUND so it resends the query),
 * rate limiting keyed by verified identity only, and 503 SERVICE_UNAVAILABLE when the database
 * is gone.
 */
import { createHash } from 'node:crypto';
import { SignJWT } from 'jose';
import { startTestServer, TEST_SECRET, type TestServer } from '../helpers/server';
import { describeOnPostgres } from '../helpers/db';

async function post(url: string, body: object, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

describe('automatic persisted queries in production mode', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ NODE_ENV: 'production', JWT_SECRET: TEST_SECRET });
  });
  afterAll(() => t.close());

  it('misses with PERSISTED_QUERY_NOT_FOUND, registers on the retry, then hits by hash alone', async () => {
    const query = '{ users(first: 1) { edges { cursor } } }';
    const persistedQuery = { version: 1, sha256Hash: createHash('sha256').update(query).digest('hex') };
    const miss = await post(t.server.url, { extensions: { persistedQuery } });
    expect(miss.status).toBe(200);
    expect(miss.body.errors).toEqual([{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }]);
    const register = await post(t.server.url, { query, extensions: { persistedQuery } });
    expect(register.body.errors).toBeUndefined();
    const hit = await post(t.server.url, { extensions: { persistedQuery } });
    expect(hit.body).toEqual(register.body);
  });

  it('marks answers and refusals as never to be cached (they are per viewer)', async () => {
    const answer = await post(t.server.url, { query: '{ __typename }' });
    expect(answer.body.data).toEqual({ __typename: 'Query' });
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect((await post(t.server.url, { query: '{ nope }' })).headers.get('cache-control')).toBe('no-store');
  });

  it('keeps parse and validation codes but masks unexpected errors', async () => {
    expect((await post(t.server.url, { query: '{' })).body.errors[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    expect((await post(t.server.url, { query: '{ nope }' })).body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});

describe('rate limiting by verified identity', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ RATE_LIMIT_PER_MINUTE: '3' });
  });
  afterAll(() => t.close());

  it("does not let forged tokens naming a victim spend the victim's budget", async () => {
    const victim = await t.make.user();
    const forged = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(String(victim.id)).setExpirationTime('5m').sign(new TextEncoder().encode('not-the-secret'));
    // The forger's requests are refused (401) and then limited by address (429)...
    const answers: number[] = [];
    for (let i = 0; i < 5; i++) answers.push((await post(t.server.url, { query: '{ viewer { id } }' }, { authorization: `Bearer ${forged}` })).status);
    expect(answers).toEqual([401, 401, 401, 429, 429]);
    // ...while the victim, with a real token, still has all of theirs.
    const real = await t.tokenFor(victim.id);
    for (let i = 0; i < 3; i++) {
      const res = await post(t.server.url, { query: '{ viewer { id } }' }, { authorization: `Bearer ${real}` });
      expect(res.status).toBe(200);
    }
  });
});

describeOnPostgres('database unavailable (Postgres)', () => {
  it('answers 503 SERVICE_UNAVAILABLE with Retry-After, and recovers', async () => {
    const t = await startTestServer({ RATE_LIMIT_PER_MINUTE: '0' });
    const user = await t.make.user();
    const token = await t.tokenFor(user.id);
    const name = new URL(t.database.url!).pathname.slice(1);
    const admin = await import('pg').then(({ default: pg }) => new pg.Client({ connectionString: process.env.DATABASE_URL }));
    await admin.connect();
    try {
      // No new connections, and the pool's current ones are cut: an outage for this database only.
      await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [name]);
      for (const [query, auth] of [['{ users { edges { cursor } } }', null], ['{ viewer { id } }', token]] as const) {
        const res = await post(t.server.url, { query }, auth ? { authorization: `Bearer ${auth}` } : {});
        expect(res.status).toBe(503);
        expect(res.headers.get('retry-after')).toBe('5');
        expect(res.body.errors[0].extensions.code).toBe('SERVICE_UNAVAILABLE');
      }
      await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`);
      const back = await post(t.server.url, { query: '{ viewer { id } }' }, { authorization: `Bearer ${token}` });
      expect(back.status).toBe(200);
    } finally {
      await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`);
      await admin.end();
      await t.close();
    }
  });
});
