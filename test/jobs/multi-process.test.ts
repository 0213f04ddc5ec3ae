/**
 * Several processes on one database (on PGlite, two app instances on one handle): started
 * together on an empty database they seed it once, and a cron slot is run and recorded once.
 */
import { createEmptyDatabase, secondConnection, type TestDatabase } from '../helpers/db';
import { startTestServer, type TestServer } from '../helpers/server';
import { eventually } from '../faults/pg-admin';

it('seeds an empty database once when two servers start on it together', async () => {
  const empty = await createEmptyDatabase();
  const other = await secondConnection(empty);
  const servers: TestServer[] = [];
  try {
    // Both migrate and seed at the same moment; neither may crash on the other's rows.
    const started = await Promise.allSettled([startTestServer({ SEED_DEMO: 'true' }, empty), startTestServer({ SEED_DEMO: 'true' }, other)]);
    for (const result of started) if (result.status === 'fulfilled') servers.push(result.value);
    expect(started.map((result) => (result.status === 'rejected' ? String(result.reason) : 'started'))).toEqual(['started', 'started']);
    const prisma = empty.db.prisma;
    expect(await prisma.user.count()).toBe(60);
    expect(await prisma.item.count()).toBe(300);
    expect(await prisma.user.count({ where: { externalId: 'demo:1' } })).toBe(1);
  } finally {
    for (const server of servers) await server.close();
    await other.drop();
    await empty.drop();
  }
}, 300_000);

describe('scheduled runs across processes', () => {
  let database: TestDatabase;
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    a = await startTestServer({ RETRAIN_CRON: '0 0 1 1 *' });
    database = a.database;
    b = await startTestServer({ RETRAIN_CRON: '0 0 1 1 *' }, await secondConnection(database));
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('records a cron slot once, however many processes fire on it', async () => {
    const slot = { at: new Date(Date.now() - 1000), toleranceMs: 30 * 60_000 };
    // One after the other, as two processes whose ticks do not overlap: the second finds the slot done.
    const first = await a.server.retrain('FRIENDS', 'SCHEDULE', { slot });
    if (!('done' in first)) throw new Error('unexpectedly busy');
    expect((await first.done).outcome).toBe('SKIPPED');
    expect(await b.server.retrain('FRIENDS', 'SCHEDULE', { slot })).toEqual({ busy: true });
    expect(await a.server.retrain('FRIENDS', 'SCHEDULE', { slot })).toEqual({ busy: true });
    // The next slot runs again.
    const next = await b.server.retrain('FRIENDS', 'SCHEDULE', { slot: { ...slot, at: new Date(Date.now() + 31 * 60_000) } });
    expect('done' in next).toBe(true);
    if ('done' in next) await next.done;
    expect(await database.db.prisma.trainingRun.count({ where: { kind: 'FRIENDS', trigger: 'SCHEDULE' } })).toBe(2);
  });

  it('two schedulers ticking every second record at most one run per kind and slot', async () => {
    const prisma = database.db.prisma;
    await prisma.trainingRun.deleteMany({});
    const from = Date.now();
    const x = await startTestServer({ RETRAIN_CRON: '* * * * * *' }, await secondConnection(database));
    const y = await startTestServer({ RETRAIN_CRON: '* * * * * *' }, await secondConnection(database));
    try {
      await eventually(async () => (await prisma.trainingRun.count({ where: { kind: 'FRIENDS' } })) >= 3, 'three scheduled slots');
    } finally {
      await x.close();
      await y.close();
    }
    // Each second boundary passed is one slot; both processes fired on every one of them.
    const slots = Math.floor(Date.now() / 1000) - Math.floor(from / 1000);
    for (const kind of ['ITEMS', 'FRIENDS'] as const) {
      const runs = await prisma.trainingRun.count({ where: { kind, trigger: 'SCHEDULE' } });
      expect(runs).toBeGreaterThan(0);
      expect(runs).toBeLessThanOrEqual(slots);
    }
  });
});
