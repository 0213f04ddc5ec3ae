/**
 * Composition root: config -> database (+ migrations, demo data) -> recommender -> HTTP.
 * Stops gracefully on SIGTERM/SIGINT: stop accepting, drain requests, stop jobs, close the database.
 */
import type { AddressInfo } from 'node:net';
import { createApp, type App } from './app';
import { loadConfig, type Config } from './config';
import { openDatabase, type Database } from './db/client';
import { migrate } from './db/migrate';
import { seedDemoData } from './db/seed';
import { createLogger, type Logger } from './logger';
import { startRetrain, type RetrainDeps, type Trigger } from './jobs/retrain';
import { startScheduler } from './jobs/scheduler';
import type { ModelKind } from './recommender/artifact';
import { RecommenderService } from './recommender/service';
import { OnlineEvaluation } from './online/online';
import { readOnlineSettings, type OnlineSettings } from './online/settings';

export interface RunningServer {
  url: string;
  /** Starts a training run as an admin's retrainModel would. */
  retrain(kind: ModelKind, trigger: Trigger): ReturnType<typeof startRetrain>;
  app: App;
  db: Database;
  recommender: RecommenderService;
  online: OnlineEvaluation;
  stop(): Promise<void>;
}

export async function startServer(config: Config, logger: Logger, options: { db?: Database; online?: OnlineSettings } = {}): Promise<RunningServer> {
  const db =
    options.db ??
    (await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolSize: config.databasePoolSize }));
  const applied = await migrate(db);
  if (applied.length) logger.info({ applied }, 'migrations applied');
  if (config.seedDemo) {
    const seeded = await seedDemoData(db.prisma);
    if (seeded) logger.info(seeded, 'demo data loaded into the empty database');
  }
  const recommender = new RecommenderService({ config, db, logger: logger.child({ component: 'recommender' }) });
  const retrainDeps: RetrainDeps = {
    config,
    db,
    logger: logger.child({ component: 'retrain' }),
    onPromoted: () => recommender.sync(),
  };
  const running = new Set<Promise<unknown>>();
  const retrain = async (kind: ModelKind, trigger: Trigger) => {
    const started = await startRetrain(retrainDeps, kind, trigger);
    if ('done' in started) {
      running.add(started.done);
      void started.done.finally(() => running.delete(started.done));
    }
    return started;
  };
  const scheduler = startScheduler(config, logger, async (kind) => {
    const started = await retrain(kind, 'SCHEDULE');
    if ('done' in started) await started.done;
  });
  await recommender.start({ retrain, nextRun: () => scheduler.nextRun() });
  if (config.trainOnStart) {
    for (const kind of ['ITEMS', 'FRIENDS'] as const) {
      if (!recommender.hasModel(kind)) void retrain(kind, 'STARTUP');
    }
  }
  const online = new OnlineEvaluation(db, logger.child({ component: 'online' }), options.online ?? readOnlineSettings(process.env));
  await online.start();
  const app = await createApp({ config, db, logger, recommender, online });
  await new Promise<void>((resolve, reject) => {
    app.httpServer.once('error', reject);
    app.httpServer.listen(config.port, resolve);
  }).catch(async (error: Error) => {
    scheduler.stop();
    await recommender.stop();
    await online.stop();
    await Promise.allSettled(running);
    if (!options.db) await db.close();
    throw new Error(`Cannot listen on port ${config.port}: ${error.message}`);
  });
  const { port } = app.httpServer.address() as AddressInfo;
  const url = `http://localhost:${port}/graphql`;
  logger.info({ url, database: db.kind === 'postgres' ? 'postgres' : `pglite:${config.dataDir}` }, 'server ready');
  let stopping: Promise<void> | null = null;
  return {
    url,
    retrain,
    app,
    db,
    recommender,
    online,
    stop: () =>
      (stopping ??= (async () => {
        scheduler.stop();
        await recommender.stop();
        await app.apollo.stop();
        // After the drain: every impression of a served request is written before the database closes.
        await online.stop();
        // A run in progress finishes and records itself before the database closes.
        await Promise.allSettled(running);
        if (!options.db) await db.close();
      })()),
  };
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const server = await startServer(config, logger);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
      server.stop().then(
        () => process.exit(0),
        (error) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
