/**
 * The database connection dies during a training run (pg_terminate_backend, as a Postgres
 * restart or failover would do): the process stays up, the run is recorded FAILED with a clear
 * message, no acknowledged write is lost, and the next run works. Postgres only: embedded
 * PGlite has no connections to lose.
 */
import { LOCK_KEYS, startRetrain, type RetrainDeps } from '../../src/jobs/retrain';
import { createLogger } from '../../src/logger';
import type { ModelKind } from '../../src/recommender/artifact';
import { trainInWorker } from '../../src/recommender/train/spawn';
import { describeOnPostgres } from '../helpers/db';
import { plantCommunities, type Planted } from '../helpers/planted';
import { iid, startTestServer, type TestServer } from '../helpers/server';
import { eventually, terminateAllBackends, terminateLockHolder } from './pg-admin';

describeOnPostgres('a database connection lost during training', () => {
  let t: TestServer;
  let planted: Planted;
  beforeAll(async () => {
    t = await startTestServer();
    planted = await plantCommunities(t.database.db, { communities: 3, usersPer: 10, itemsPer: 20 });
  });
  afterAll(() => t?.close());

  /** Starts a run whose `fault` fires (once) when training reaches `stage`. */
  async function runWithFault(kind: ModelKind, stage: string, fault: () => Promise<unknown>) {
    let fired: Promise<unknown> | null = null;
    const deps: RetrainDeps = {
      config: t.config,
      db: t.database.db,
      logger: createLogger('silent'),
      onPromoted: () => t.server.recommender.sync(),
      progress: (reached) => {
        if (reached === stage) fired ??= fault();
      },
      // The real worker; its result is held back until the fault has struck, so a small, fast
      // training cannot finish before the connection is gone.
      train: async (job, progress, signal) => {
        const result = await trainInWorker(job, progress, signal);
        await fired;
        return result;
      },
    };
    const started = await startRetrain(deps, kind, 'MANUAL');
    if (!('done' in started)) throw new Error('unexpectedly busy');
    const run = await started.done;
    expect(fired).not.toBeNull();
    await fired;
    return run;
  }

  const healthy = async () => (await fetch(t.server.url.replace(/\/graphql$/, '/healthz'))).status;

  async function nextRunWorks(kind: ModelKind) {
    const started = await startRetrain({ config: t.config, db: t.database.db, logger: createLogger('silent') }, kind, 'MANUAL');
    if (!('done' in started)) throw new Error('the lost lock was never released: busy');
    const run = await started.done;
    expect([run.state, run.error]).toEqual(['SUCCEEDED', null]);
    expect(['PROMOTED', 'NOT_PROMOTED']).toContain(run.outcome);
  }

  it('fails the run cleanly when the backend holding the advisory lock is terminated', async () => {
    const versionsBefore = await t.database.db.prisma.modelVersion.count({ where: { kind: 'FRIENDS' } });
    // 'train' is reported from the worker: the lock connection sits idle, as it does for most of a run.
    const run = await runWithFault('FRIENDS', 'train', async () => {
      expect(await terminateLockHolder(t.database.url!, LOCK_KEYS.FRIENDS)).toBe(1);
    });
    expect([run.state, run.outcome]).toEqual(['FAILED', 'FAILED']);
    expect(run.error).toMatch(/^lost the training lock: the database connection holding it failed \(terminating connection due to administrator command\)/);
    const stored = await t.database.db.prisma.trainingRun.findUniqueOrThrow({ where: { id: run.id } });
    expect(stored).toMatchObject({ state: 'FAILED', error: run.error });
    expect(stored.finishedAt).not.toBeNull();
    // Nothing trained without the lock was stored or promoted.
    expect(await t.database.db.prisma.modelVersion.count({ where: { kind: 'FRIENDS' } })).toBe(versionsBefore);
    expect(await healthy()).toBe(200);
    await nextRunWorks('FRIENDS');
  }, 300_000);

  it('fails the run cleanly when every connection is terminated while it reads the snapshot', async () => {
    const run = await runWithFault('ITEMS', 'snapshot', () => terminateAllBackends(t.database.url!));
    expect([run.state, run.outcome]).toEqual(['FAILED', 'FAILED']);
    expect(run.error).toMatch(/terminat|connection/i);
    expect((await t.database.db.prisma.trainingRun.findUniqueOrThrow({ where: { id: run.id } })).state).toBe('FAILED');
    expect(await healthy()).toBe(200);
    await nextRunWorks('ITEMS');
  }, 300_000);

  it('loses no acknowledged write when all connections are terminated during a run and a write burst', async () => {
    const users = planted.communities.flatMap((c) => c.users);
    const items = planted.communities.flatMap((c) => c.items);
    const tokens = await Promise.all(users.map((u) => t.tokenFor(u)));
    const acknowledged: string[] = [];
    let failures = 0;
    let stop = false;
    const writer = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const k = w * 7919 + i;
        const res = await t.gql(
          `mutation($i: InteractionInput!) { recordInteraction(input: $i) { interaction { id } userErrors { code } } }`,
          { i: { itemId: iid(items[k % items.length]), type: 'VIEW' } },
          tokens[k % tokens.length],
        ).catch(() => null);
        const id = res?.data?.recordInteraction?.interaction?.id;
        if (id) acknowledged.push(id);
        else failures++;
      }
    };
    const burst = Array.from({ length: 6 }, (_, w) => writer(w));
    try {
      await eventually(async () => acknowledged.length >= 30, 'the write burst to get going');
      const run = await runWithFault('ITEMS', 'train', async () => {
        const before = acknowledged.length;
        expect(await terminateAllBackends(t.database.url!)).toBeGreaterThan(0);
        // Writes go on being acknowledged after the pool replaces its connections.
        await eventually(async () => acknowledged.length >= before + 30, 'writes to succeed again');
      });
      expect([run.state, run.outcome]).toEqual(['FAILED', 'FAILED']);
      expect(run.error).toMatch(/lost the training lock/);
    } finally {
      stop = true;
      await Promise.all(burst);
    }
    const ids = acknowledged.map((id) => Number(Buffer.from(id, 'base64url').toString().split(':')[1]));
    expect(ids.every(Number.isInteger)).toBe(true);
    const stored = await t.database.db.prisma.interaction.count({ where: { id: { in: ids.map(BigInt) } } });
    expect(stored).toBe(ids.length);
    expect(await healthy()).toBe(200);
    await nextRunWorks('ITEMS');
  }, 300_000);
});
