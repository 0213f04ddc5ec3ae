/**
 * `npm run train [-- --kind items|friends|all]`: one training run per kind against
 * DATABASE_URL (or the embedded database), the kinds side by side, with a progress bar each
 * on a terminal. Promotes each result when it is not worse than the active version, exactly
 * as the nightly job does.
 * On Postgres it runs alongside servers: the advisory lock keeps it from training a kind a
 * server is training, and servers pick up its promoted version when they next poll. The
 * embedded database belongs to one process, so while a server runs on it this refuses.
 */
import cliProgress from 'cli-progress';
import { loadConfig } from '../config';
import { DatabaseInUseError, openDatabase } from '../db/client';
import { migrate } from '../db/migrate';
import { startRetrain } from '../jobs/retrain';
import { createLogger } from '../logger';
import type { ModelKind } from '../recommender/artifact';
import { parseCommand } from './args';
import { exitOnError } from './errors';

const STAGES = ['snapshot', 'split', 'train', 'evaluate', 'refit', 'lists', 'serialize'];

async function main() {
  const { values } = parseCommand({
    command: 'npm run train --',
    summary:
      'One training run per kind against DATABASE_URL (Postgres), else the embedded database in DATA_DIR; each result is\n' +
      'promoted when it is not worse than the active version, as the nightly job does. On the embedded database it refuses\n' +
      'while a server has it open; on Postgres running servers pick the new version up at their next poll.',
    options: {
      kind: { type: 'string', default: 'all', choices: ['items', 'friends', 'all'], help: 'the model to train; all trains both kinds side by side' },
    },
  });
  const kinds: ModelKind[] = values.kind === 'all' ? ['ITEMS', 'FRIENDS'] : values.kind === 'items' ? ['ITEMS'] : ['FRIENDS'];
  const config = loadConfig();
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir }).catch((error: unknown) => {
    if (!(error instanceof DatabaseInUseError)) throw error;
    // A refusal, not a failure of ours: one message, no stack trace.
    console.error(
      `The embedded database in ${error.dataDir} is open in another process (pid ${error.pid}), probably the server. ` +
        'PGlite cannot be shared between processes, so a model trained here would never reach it. ' +
        'Stop the server and run this again, or ask the running server to train (the retrainModel mutation), ' +
        'or use a Postgres server (DATABASE_URL), where npm run train works alongside running servers.',
    );
    return null;
  });
  if (!db) {
    process.exitCode = 1;
    return;
  }
  let failed = false;
  try {
    await migrate(db);
    // The kinds share nothing but the snapshot's tables, and each trains in its own process
    // on mostly one core, so an offline run trains them side by side (the server's own
    // schedule trains one kind at a time, to leave it a core for requests).
    const tty = process.stdout.isTTY;
    const bars = tty ? new cliProgress.MultiBar({ format: '{kind} [{bar}] {stage} {duration}s' }, cliProgress.Presets.shades_classic) : null;
    const trainKind = async (kind: ModelKind): Promise<{ ok: boolean; report?: Record<string, unknown> }> => {
      const bar = bars?.create(STAGES.length, 0, { kind, stage: 'starting' });
      const started = Date.now();
      const progress = (stage: string) => {
        if (bar) bar.update(Math.max(0, STAGES.indexOf(stage)) + 1, { kind, stage });
        else console.log(`${kind}: ${stage} (${((Date.now() - started) / 1000).toFixed(1)}s)`);
      };
      const start = await startRetrain({ config, db, logger, progress }, kind, 'CLI');
      if ('busy' in start) {
        console.error(`${kind}: another training run is in progress`);
        return { ok: false };
      }
      const run = await start.done;
      const version = run.versionId ? await db.prisma.modelVersion.findUnique({ where: { id: run.versionId }, omit: { artifact: true } }) : null;
      return {
        ok: run.state !== 'FAILED',
        report: { kind, run: run.id, outcome: run.outcome, error: run.error, seconds: (Date.now() - started) / 1000, version: version?.id, metrics: version?.metrics, dataSizes: version?.dataSizes, backend: version?.backend },
      };
    };
    const results = await Promise.all(kinds.map(trainKind));
    bars?.stop();
    for (const { ok, report } of results) {
      if (report) console.log(JSON.stringify(report, null, 2));
      if (!ok) failed = true;
    }
  } finally {
    await db.close();
  }
  if (failed) process.exit(1);
}

main().catch(exitOnError);
