import { ConfigError, loadConfig } from '../src/config';
import { seedDemoData } from '../src/db/seed';
import { startTestServer, TEST_SECRET, type TestServer } from './helpers/server';
import { SignJWT } from 'jose';

let t: TestServer;
let base: string;
beforeAll(async () => {
  t = await startTestServer({ CORS_ORIGINS: 'https://app.example.com' });
  base = t.server.url.replace(/\/graphql$/, '');
});
afterAll(() => t.close());

describe('HTTP endpoints', () => {
  it('answers liveness and readiness', async () => {
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready' });
  });

  it('serves GraphiQL with its assets from local packages', async () => {
    const page = await fetch(`${base}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('GraphiQL');
    expect(html).not.toMatch(/https?:\/\/(?!localhost)/);
    for (const src of html.match(/\/graphiql\/assets\/[\w.-]+/g)!) {
      const asset = await fetch(`${base}${src}`);
      expect([src, asset.status]).toEqual([src, 200]);
    }
  });

  it('allows configured browser origins only', async () => {
    const allowed = await fetch(t.server.url, { method: 'OPTIONS', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const other = await fetch(t.server.url, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('authentication', () => {
  it('rejects bad, expired and wrongly signed tokens with UNAUTHENTICATED', async () => {
    const user = await t.make.user();
    const expired = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(String(user.id)).setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(new TextEncoder().encode(TEST_SECRET));
    const foreign = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(String(user.id)).sign(new TextEncoder().encode('another-secret'));
    const notAUser = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').sign(new TextEncoder().encode(TEST_SECRET));
    for (const token of ['garbage', expired, foreign, notAUser]) {
      const res = await t.gql(`{ viewer { id } }`, {}, token);
      expect(res.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    }
    const admin = await t.gql(`{ modelStatus { backend } }`, {}, await t.tokenFor(user.id, true));
    expect(admin.errors).toBeUndefined();
    const plain = await t.gql(`{ modelStatus { backend } }`, {}, await t.tokenFor(user.id));
    expect(plain.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('refuses to start in production without a secret, and defaults in development', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 's3cret' }).jwtSecret).toBe('s3cret');
    expect(loadConfig({}).jwtSecret).toBeTruthy();
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(/PORT/);
    expect(() => loadConfig({ SEED_DEMO: 'maybe' })).toThrow(/SEED_DEMO/);
  });
});

describe('demo data', () => {
  it('seeds an empty database once, deterministically, and leaves a non-empty one alone', async () => {
    const fresh = await startTestServer({ SEED_DEMO: 'true' });
    try {
      const prisma = fresh.database.db.prisma;
      const counts = [await prisma.user.count(), await prisma.item.count(), await prisma.interaction.count(), await prisma.follow.count()];
      expect(counts[0]).toBeGreaterThanOrEqual(24);
      expect(counts[1]).toBeGreaterThanOrEqual(100);
      expect(counts[2]).toBeGreaterThanOrEqual(100);
      expect(await seedDemoData(fresh.database.db)).toBeNull();
      const res = await fresh.gql(`{ items(first: 3) { edges { node { title counts { count } } } } }`);
      expect(res.data.items.edges).toHaveLength(3);
      // Dated from the first start, the demo has a last week to trend in (the README's example).
      const trending = await fresh.gql(`{ trendingItems(first: 5, window: WEEK) { edges { score node { title } } } }`);
      expect(trending.data.trendingItems.edges).toHaveLength(5);
      const other = await startTestServer({ SEED_DEMO: 'true' });
      const otherCounts = [await other.database.db.prisma.user.count(), await other.database.db.prisma.item.count(), await other.database.db.prisma.interaction.count(), await other.database.db.prisma.follow.count()];
      await other.close();
      expect(otherCounts).toEqual(counts);
    } finally {
      await fresh.close();
    }
    // Two servers seeding 1,300 rows each: minutes on a loaded machine.
  }, 300_000);
});
