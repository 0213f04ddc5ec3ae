/** /metrics after real traffic: the series exist, carry bounded labels and sane values. */
import { MAX_OPERATION_NAMES } from '../src/metrics/graphql-plugin';
import { usingPostgres } from './helpers/db';
import { plantCommunities, type Planted } from './helpers/planted';
import { startTestServer, uid, type TestServer } from './helpers/server';

const METRICS_TOKEN = 'scrape-me-0123';
let t: TestServer;
let planted: Planted;
let metricsUrl: string;

beforeAll(async () => {
  t = await startTestServer({ METRICS_TOKEN, TRENDING_CACHE_MS: '60000', RECOMMENDATION_CACHE_MS: '60000' });
  planted = await plantCommunities(t.database.db, { tag: 'metrics' });
  metricsUrl = new URL('/metrics', t.server.url).toString();
}, 120_000);
afterAll(() => t.close());

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The text exposition format, enough of it for these assertions (no escaped quotes in our labels). */
function parse(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`unparsable line: ${line}`);
      const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      return { name: match[1], labels, value: Number(match[3]) };
    });
}

async function scrape(): Promise<Sample[]> {
  const response = await fetch(metricsUrl, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  return parse(await response.text());
}

const find = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
const total = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  find(samples, name, labels).reduce((sum, s) => sum + s.value, 0);

const RECS = `query Recs($id: ID!) { user(id: $id) { recommendedItems(first: 5) { source } friendSuggestions(first: 3) { source } } }`;

describe('/metrics', () => {
  it('refuses a scrape without the METRICS_TOKEN', async () => {
    expect((await fetch(metricsUrl)).status).toBe(401);
    expect((await fetch(metricsUrl, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
  });

  it('counts operations, recommendation sources, cache lookups, training and model versions', async () => {
    const user = planted.communities[0].users[0];
    const token = await t.tokenFor(user);
    const admin = await t.tokenFor(user, true);
    // Before training: fallbacks serve.
    for (let i = 0; i < 2; i++) expect((await t.gql(RECS, { id: uid(user) }, token)).data.user.recommendedItems.source).toBe('FALLBACK');
    for (let i = 0; i < 2; i++) await t.gql(`query Trending { trendingItems(first: 3) { edges { score } } }`);
    await t.gql(`{ users(first: 1) { edges { node { id } } } }`);
    await t.gql(`query Broken { noSuchField }`);
    expect((await t.gql(`query Status { modelStatus { backend } }`, {}, token)).errors?.[0].extensions?.code).toBe('FORBIDDEN');

    const started = await t.server.retrain('ITEMS', 'MANUAL');
    if ('busy' in started) throw new Error('unexpectedly busy');
    const run = await started.done;
    expect(run.outcome).toBe('PROMOTED');
    const other = planted.communities[1].users[0];
    expect((await t.gql(RECS, { id: uid(other) }, await t.tokenFor(other))).data.user.recommendedItems.source).toBe('MODEL');
    await t.gql(`query Status { modelStatus { backend } }`, {}, admin);

    const samples = await scrape();
    const ops = 'graphql_operation_duration_seconds_count';
    expect(total(samples, ops, { operation: 'Recs', type: 'query', outcome: 'ok' })).toBe(3);
    expect(total(samples, ops, { operation: 'Trending', outcome: 'ok' })).toBe(2);
    expect(total(samples, ops, { operation: '(anonymous)', outcome: 'ok' })).toBe(1);
    expect(total(samples, ops, { operation: '(invalid)', type: 'none', outcome: 'GRAPHQL_VALIDATION_FAILED' })).toBe(1);
    expect(total(samples, ops, { operation: 'Status', outcome: 'FORBIDDEN' })).toBe(1);
    expect(total(samples, ops, { operation: 'Status', outcome: 'ok' })).toBe(1);
    // Buckets are cumulative: the +Inf bucket holds every request of the series.
    expect(total(samples, 'graphql_operation_duration_seconds_bucket', { operation: 'Recs', outcome: 'ok', le: '+Inf' })).toBe(3);
    const seconds = total(samples, 'graphql_operation_duration_seconds_sum', { operation: 'Recs' });
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThan(60);

    expect(total(samples, 'recommendations_served_total', { kind: 'items', source: 'FALLBACK' })).toBe(2);
    expect(total(samples, 'recommendations_served_total', { kind: 'items', source: 'MODEL' })).toBe(1);
    expect(total(samples, 'recommendations_served_total', { kind: 'friends' })).toBe(3);
    // Whether the second request hits depends on the change feed (ADR 005); every lookup counts.
    expect(total(samples, 'cache_lookups_total', { cache: 'recommendation_lists' })).toBe(3);
    expect(total(samples, 'cache_lookups_total', { cache: 'trending', result: 'hit' })).toBeGreaterThanOrEqual(1);

    expect(total(samples, 'training_runs_total', { kind: 'ITEMS', outcome: 'PROMOTED' })).toBe(1);
    expect(total(samples, 'training_duration_seconds_count', { kind: 'ITEMS', outcome: 'PROMOTED' })).toBe(1);
    expect(total(samples, 'training_duration_seconds_sum', { kind: 'ITEMS' })).toBeGreaterThan(0);

    expect(find(samples, 'model_version_info', { kind: 'ITEMS', version: String(run.versionId) }).map((s) => s.value)).toEqual([1]);
    expect(find(samples, 'model_version_info', { kind: 'FRIENDS' })).toEqual([]);
    const [age] = find(samples, 'model_version_age_seconds', { kind: 'ITEMS', version: String(run.versionId) });
    expect(age.value).toBeGreaterThanOrEqual(0);
    expect(age.value).toBeLessThan(600);
    expect(total(samples, 'recommender_model_loaded', { kind: 'ITEMS' })).toBe(1);
    expect(total(samples, 'recommender_model_loaded', { kind: 'FRIENDS' })).toBe(0);
  }, 180_000);

  it('reports pool usage on Postgres, event-loop lag and process metrics', async () => {
    const samples = await scrape();
    if (usingPostgres()) {
      const pool = Object.fromEntries(find(samples, 'db_pool_connections').map((s) => [s.labels.state, s.value]));
      expect(pool.total).toBeGreaterThanOrEqual(1);
      expect(pool.total).toBeLessThanOrEqual(t.config.databasePoolSize);
      expect(pool.idle).toBeLessThanOrEqual(pool.total);
      expect(pool.waiting).toBeGreaterThanOrEqual(0);
    } else {
      expect(find(samples, 'db_pool_connections')).toEqual([]);
    }
    const [lag] = find(samples, 'nodejs_eventloop_lag_seconds');
    expect(lag.value).toBeGreaterThanOrEqual(0);
    expect(lag.value).toBeLessThan(10);
    expect(total(samples, 'process_resident_memory_bytes')).toBeGreaterThan(10_000_000);
  });

  it('keeps operation names bounded whatever clients send', async () => {
    const names = Array.from({ length: MAX_OPERATION_NAMES + 20 }, (_, i) => `Op${i}`);
    for (const name of names) await t.gql(`query ${name} { __typename }`);
    const operations = new Set(find(await scrape(), 'graphql_operation_duration_seconds_count').map((s) => s.labels.operation));
    // The cap, plus the three collapsed values: (anonymous), (invalid), (other).
    expect(operations.size).toBeLessThanOrEqual(MAX_OPERATION_NAMES + 3);
    expect(operations).toContain('(other)');
  }, 120_000);
});
