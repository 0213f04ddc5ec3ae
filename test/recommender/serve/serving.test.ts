/**
 * Serving from memory, on a real Postgres (skipped on embedded PGlite, which has no second
 * process and where the caches stay off): warm requests make no SQL statement, counted on
 * the wire by a proxy in front of Postgres; a HIDE and a block recorded through one app
 * instance are honoured by another within a second; caches stay within their bounds.
 */
import { loadConfig } from '../../../src/config';
import { openDatabase } from '../../../src/db/client';
import { startRetrain, type RetrainDeps } from '../../../src/jobs/retrain';
import { createLogger } from '../../../src/logger';
import { startSqlCounter, type SqlCounter } from '../../../src/bench/sql-counter';
import { MAX_CACHED_LISTS } from '../../../src/recommender/serve/service';
import { ActiveModels } from '../../../src/recommender/serve/active-models';
import { MAX_USERS } from '../../../src/recommender/serve/user-states';
import { createTestDatabase, describeOnPostgres, type TestDatabase } from '../../helpers/db';
import { plantCommunities, type Planted } from '../../helpers/planted';
import { iid, startTestServer, uid, type TestServer } from '../../helpers/server';


const RECS = `query($id: ID!) { user(id: $id) { recommendedItems(first: 10) { source edges { score node { id title } } } } }`;
const FRIENDS = `query($id: ID!) { user(id: $id) { friendSuggestions(first: 5) { source edges { node { id handle } } } } }`;
const SIMILAR = `query($id: ID!) { item(id: $id) { similarItems(first: 5) { edges { node { id } } } } }`;
const TRENDING = `{ trendingItems(first: 5) { edges { node { id } } } }`;
const HIDE = `mutation($i: InteractionInput!) { recordInteraction(input: $i) { userErrors { code } } }`;
const BLOCK = `mutation($id: ID!) { block(userId: $id) { userErrors { code } } }`;

/** Polls `check` until it holds; fails with the last value after `ms`. No fixed sleeps. */
async function within<T>(ms: number, read: () => Promise<T>, check: (value: T) => boolean): Promise<number> {
  const started = Date.now();
  let value = await read();
  while (!check(value)) {
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setImmediate(resolve));
    value = await read();
  }
  return Date.now() - started;
}

describeOnPostgres('serving from memory', () => {
  let database: TestDatabase;
  let counter: SqlCounter;
  let a: TestServer;
  let b: TestServer;
  let planted: Planted;
  // Impressions are written in timed batches off the request path; a long interval keeps the
  // cold request's batch from landing inside the warm request's counted window on a slow machine.
  const env = {
    MODEL_POLL_MS: '600000',
    RECOMMENDATION_CACHE_MS: '600000',
    TRENDING_CACHE_MS: '600000',
    RATE_LIMIT_PER_MINUTE: '0',
    IMPRESSION_FLUSH_MS: '600000',
  };
  // The server reads its online settings (impression flushes, experiment polls) from
  // process.env, not from the config env above: set for this file's servers, restored after.
  const onlineEnv = { IMPRESSION_FLUSH_MS: '600000', EXPERIMENT_POLL_MS: '600000' };
  const savedEnv = Object.fromEntries(Object.keys(onlineEnv).map((name) => [name, process.env[name]]));

  beforeAll(async () => {
    Object.assign(process.env, onlineEnv);
    database = await createTestDatabase();
    planted = await plantCommunities(database.db);
    const url = new URL(database.url!);
    counter = await startSqlCounter({ host: url.hostname, port: Number(url.port || 5432) });
    const proxied = counter.urlFor(database.url!);
    const counted = await openDatabase({ url: proxied, poolSize: 5 });
    const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'test-secret-0123456789', LOG_LEVEL: 'silent' });
    const deps: RetrainDeps = { config, db: database.db, logger: createLogger('silent') };
    for (const kind of ['ITEMS', 'FRIENDS'] as const) {
      const started = await startRetrain(deps, kind, 'MANUAL');
      if ('busy' in started) throw new Error('busy');
      expect((await started.done).state).toBe('SUCCEEDED');
    }
    // Instance A's every connection (pool and change feed) goes through the counting proxy.
    a = await startTestServer({ ...env, DATABASE_URL: proxied }, { db: counted, url: proxied, drop: () => counted.close() });
    b = await startTestServer({ ...env, DATABASE_URL: database.url! }, database);
  }, 300_000);

  afterAll(async () => {
    for (const [name, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await a?.close();
    await (a?.database.drop() ?? Promise.resolve());
    await b?.close();
    await counter?.close();
    await database?.drop();
  });

  it('answers a warm user with zero SQL statements', async () => {
    const user = planted.communities[0].users[1];
    const item = planted.communities[0].items[0];
    const token = await a.tokenFor(user);
    const ask = () =>
      Promise.all([
        a.gql(RECS, { id: uid(user) }, token),
        a.gql(FRIENDS, { id: uid(user) }, token),
        a.gql(SIMILAR, { id: iid(item) }, token),
        a.gql(TRENDING, {}, token),
      ]);
    const start = counter.statements;
    const cold = await ask();
    // The proxy sees this instance's statements: the cold answer needed some.
    expect(counter.statements - start).toBeGreaterThan(0);
    expect(cold.map((r) => r.errors)).toEqual([undefined, undefined, undefined, undefined]);
    expect(cold[0].data.user.recommendedItems.source).toBe('MODEL');
    expect(cold[0].data.user.recommendedItems.edges.length).toBe(10);
    const before = counter.statements;
    const warm = await ask();
    expect(counter.statements - before).toBe(0);
    expect(warm.map((r) => r.data)).toEqual(cold.map((r) => r.data));
  });

  it('honours a HIDE recorded on another instance within a second', async () => {
    const user = planted.communities[1].users[3];
    const token = await a.tokenFor(user);
    const listed = async () => (await a.gql(RECS, { id: uid(user) }, token)).data.user.recommendedItems.edges.map((e: any) => e.node.id as string);
    const first = await listed();
    const hidden = first[0];
    const res = await b.gql(HIDE, { i: { itemId: hidden, type: 'HIDE' } }, token);
    expect(res.data.recordInteraction.userErrors).toEqual([]);
    await within(1000, listed, (ids) => !ids.includes(hidden));
  });

  it('honours a block recorded on another instance within a second', async () => {
    const user = planted.communities[2].users[0];
    const token = await a.tokenFor(user);
    const suggested = async () => (await a.gql(FRIENDS, { id: uid(user) }, token)).data.user.friendSuggestions.edges.map((e: any) => e.node.id as string);
    const first = await suggested();
    expect(first.length).toBeGreaterThan(0);
    const res = await b.gql(BLOCK, { id: first[0] }, token);
    expect(res.data.block.userErrors).toEqual([]);
    await within(1000, suggested, (ids) => !ids.includes(first[0]));
  });

  it('retries a sync that failed for a reason other than corruption, and clears the message after recovery', async () => {
    // A real fault, not a mock: a role that loses and regains read access to the versions table.
    const role = `serving_sync_${process.pid}`;
    await database.db.exec(`DROP ROLE IF EXISTS ${role}; CREATE ROLE ${role} LOGIN; GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`);
    const url = new URL(database.url!);
    url.username = role;
    const limited = await openDatabase({ url: url.toString(), poolSize: 2 });
    const models = new ActiveModels(limited, createLogger('silent'));
    try {
      await database.db.exec(`REVOKE SELECT ON "ModelVersion" FROM ${role}`);
      await models.sync();
      expect(models.items.phase).toBe('fallback');
      expect(models.items.message).toMatch(/^Model sync failed [^]*permission denied for table ModelVersion[^]*retrying at the next poll/);
      expect(models.rejected.size).toBe(0);
      await database.db.exec(`GRANT SELECT ON "ModelVersion" TO ${role}`);
      await models.sync();
      expect(models.items.phase).toBe('ready');
      expect(models.items.message).toBeNull();
    } finally {
      await models.stop();
      await limited.close();
      await database.db.exec(`DROP OWNED BY ${role}; DROP ROLE ${role}`);
    }
  });

  it('keeps every cache within its bound under 12,000 distinct filters (more than the list bound)', async () => {
    const recommender = a.server.recommender;
    const user = planted.communities[3].users[0];
    for (let i = 0; i < MAX_CACHED_LISTS + 2000; i++) {
      await recommender.recommendItems({ userId: user, limit: 1, category: `no-such-${i}`, excludeSeen: true });
    }
    expect(recommender.lists.size).toBeLessThanOrEqual(MAX_CACHED_LISTS);
    expect(recommender.states.size).toBeLessThanOrEqual(MAX_USERS);
    expect(recommender.items.size).toBeLessThanOrEqual(recommender.items.max);
    expect(recommender.users.size).toBeLessThanOrEqual(recommender.users.max);
  }, 300_000);
});
