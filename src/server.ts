/**
 * Composition root: config -> database (+ migrations, demo data) -> recommender -> HTTP.
 * Stops gracefully on SIGTERM/SIGINT: stop accepting, drain requests, stop jobs, close the database.
 */
import type { AddressInfo } from 'node:net';
import v8 from 'node:v8';
import { createApp, type App } from './app';
import { loadConfig, type Config } from './config';
import { openDatabase, type Database } from './db/client';
import { migrate } from './db/migrate';
import { seedDemoData } from './db/seed';
import { createLogger, type Logger } from './logger';
import { closeInterruptedRuns, startRetrain, type RetrainDeps, type RetrainOptions, type Trigger } from './jobs/retrain';
import { startScheduler } from './jobs/scheduler';
import type { ModelKind } from './recommender/artifact';
import { RecommenderService } from './recommender/serve/service';
import { OnlineEvaluation } from './online/online';
import { readOnlineSettings, type OnlineSettings } from './online/settings';

export interface RunningServer {
  url: string;
  /** Starts a training run as an admin's retrainModel would. */
  retrain(kind: ModelKind, trigger: Trigger, options?: RetrainOptions): ReturnType<typeof startRetrain>;
  app: App;
  db: Database;
  recommender: RecommenderService;
  online: OnlineEvaluation;
  stop(): Promise<void>;
}

export async function startServer(config: Config, logger: Logger, options: { db?: Database; online?: OnlineSettings } = {}): Promise<RunningServer> {
  const db =
    options.db ??
    (await openDatabase({
      url: config.databaseUrl,
      dataDir: config.dataDir,
      poolSize: config.databasePoolSize,
      onConnectionError: (error) => logger.warn({ err: error }, 'an idle database connection failed; the pool replaces it'),
    }));
  const applied = await migrate(db);
  if (applied.length) logger.info({ applied }, 'migrations applied');
  if (config.seedDemo) {
    const seeded = await seedDemoData(db);
    if (seeded) logger.info(seeded, 'demo data loaded into the empty database');
  }
  const interrupted = new InterruptedRunSweeper(db, logger, config.modelPollMs);
  await interrupted.sweep();
  const recommender = new RecommenderService({ config, db, logger: logger.child({ component: 'recommender' }) });
  const retrainDeps: RetrainDeps = {
    config,
    db,
    logger: logger.child({ component: 'retrain' }),
    onPromoted: () => recommender.sync(),
  };
  const running = new Set<Promise<unknown>>();
  const retrain = async (kind: ModelKind, trigger: Trigger, options?: RetrainOptions) => {
    const started = await startRetrain(retrainDeps, kind, trigger, options);
    if ('done' in started) {
      running.add(started.done);
      void started.done.finally(() => running.delete(started.done));
    }
    return started;
  };
  const scheduler = startScheduler(config, logger, async (kind, slot) => {
    const started = await retrain(kind, 'SCHEDULE', { slot });
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
    interrupted.stop();
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
        interrupted.stop();
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

/**
 * Closes runs a killed process left RUNNING (they would show TRAINING forever). A kind whose
 * lock is still held is checked again every `intervalMs` for a minute: Postgres frees a killed
 * process's lock only once it notices the connection is gone; a run that is really alive
 * elsewhere closes itself, and the next run of the kind sweeps whatever is left.
 */
class InterruptedRunSweeper {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly giveUpAt = Date.now() + 60_000;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  async sweep(): Promise<void> {
    const { closed, pending } = await closeInterruptedRuns(this.db);
    if (closed) this.logger.warn({ runs: closed }, 'closed training runs left unfinished by a stopped process');
    if (pending.length && Date.now() < this.giveUpAt && !this.stopped) {
      this.timer = setTimeout(() => {
        this.sweep().catch((error) => this.logger.warn({ err: error }, 'could not check for interrupted training runs'));
      }, Math.min(this.intervalMs, 5000));
      this.timer.unref();
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}

/**
 * Between full collections V8 lets the old generation grow up to 4x what survived the last
 * one when allocation is fast, which a loaded server's is: under the bench on Epinions RSS
 * rose by hundreds of MB while a full collection left about 100 MB of live heap. 1.5x bounds
 * serving memory by what it holds, at the cost of more frequent (mostly concurrent) marking.
 * Set here, in the process entry, not for servers embedded in tests or tools.
 */
const HEAP_GROWING_PERCENT = 50;

async function main(): Promise<void> {
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
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
