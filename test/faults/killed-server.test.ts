/**
 * kill -9 during training: the killed process's runs stay RUNNING in the database (nothing can
 * close them), so the next start must close them as interrupted, for both kinds, on Postgres
 * and on the embedded database (whose data directory the killed process still claims).
 */
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { openDatabase, type Database } from '../../src/db/client';
import { createLogger } from '../../src/logger';
import { startServer } from '../../src/server';
import { createTestDatabase, usingPostgres } from '../helpers/db';
import { eventually } from './pg-admin';
import { serverEnv, spawnTs } from './server-process';

const KINDS = ['ITEMS', 'FRIENDS'] as const;

it('closes the runs a server killed during training left RUNNING, once it starts again', async () => {
  const dataDir = path.join(os.tmpdir(), `killed-${process.pid}-${Date.now()}`);
  const test = usingPostgres() ? await createTestDatabase() : null;
  const where: Record<string, string> = test ? { DATABASE_URL: test.url! } : { DATABASE_URL: '', DATA_DIR: dataDir };
  // The demo data gives both kinds something to train; each starts at once with no model.
  const killed = spawnTs('src/server.ts', [], serverEnv({ ...where, SEED_DEMO: 'true', TRAIN_ON_START: 'true' }));
  let db: Database | null = null;
  try {
    // The worker's first progress report: the run is recorded and training.
    await Promise.all(KINDS.map((kind) => killed.waitFor(new RegExp(`"kind":"${kind}"[^\\n]*"msg":"training"`))));
    killed.child.kill('SIGKILL');
    expect((await killed.exited).signal).toBe('SIGKILL');
    const finishedBeforeKill = KINDS.filter((kind) => new RegExp(`"kind":"${kind}"[^\\n]*"msg":"training finished"`).test(killed.output()));

    db = test ? test.db : await openDatabase({ url: null, dataDir });
    const runs = () => db!.prisma.trainingRun.findMany({ orderBy: { id: 'asc' } });
    expect((await runs()).filter((run) => run.state === 'RUNNING').map((run) => run.kind).sort()).toEqual(
      KINDS.filter((kind) => !finishedBeforeKill.includes(kind)).sort(),
    );

    const config = loadConfig({ NODE_ENV: 'test', PORT: '0', JWT_SECRET: 'x'.repeat(16), SEED_DEMO: 'true', TRAIN_ON_START: 'false', LOG_LEVEL: 'silent', MODEL_POLL_MS: '200' });
    const next = await startServer(config, createLogger('silent'), { db });
    try {
      // Postgres frees the killed process's locks once it sees its connections gone: soon, not at once.
      const closed = await eventually(async () => {
        const all = await runs();
        return all.every((run) => run.state !== 'RUNNING') && all;
      }, 'no run left RUNNING');
      for (const kind of KINDS.filter((k) => !finishedBeforeKill.includes(k))) {
        expect(closed.find((run) => run.kind === kind)).toMatchObject({ state: 'FAILED', outcome: 'FAILED', error: 'interrupted: the process stopped during training' });
      }
      // And the kinds train again.
      for (const kind of KINDS) {
        const started = await next.retrain(kind, 'MANUAL');
        if (!('done' in started)) throw new Error(`${kind} still busy`);
        expect((await started.done).state).toBe('SUCCEEDED');
      }
    } finally {
      await next.stop();
    }
  } finally {
    if (killed.child.exitCode === null && killed.child.signalCode === null) killed.child.kill('SIGKILL');
    if (test) await test.drop();
    else await db?.close();
  }
}, 600_000);
