/**
 * `npm run import -- --dataset <name> [--dir PATH] [--limit N]`: loads one public dataset
 * into the configured database (DATABASE_URL, else the embedded one in DATA_DIR),
 * applying pending migrations first. Safe to run again: a second run adds nothing.
 */
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';

import { loadConfig } from '../config';
import { openDatabase } from '../db/client';
import { migrate } from '../db/migrate';
import { openDataset } from '../datasets/open';
import { exitOnError, UsageError } from './errors';
import { DATASET_NAMES, type DatasetName, type ParseIssue } from '../datasets/types';
import { importDataset, type ImportPhase, type ImportProgress, type ImportResult } from '../importer/import-dataset';

const USAGE = `usage: npm run import -- --dataset <${DATASET_NAMES.join('|')}> [--dir PATH] [--limit N]`;
const ISSUES_SHOWN = 20;
const PLAIN_PROGRESS_EVERY_MS = 2000;

interface Arguments {
  dataset: DatasetName;
  dir: string | undefined;
  limit: number | undefined;
}

function parseArguments(argv: string[]): Arguments {
  const { values } = parseArgs({
    args: argv,
    options: {
      dataset: { type: 'string', short: 'd' },
      dir: { type: 'string' },
      limit: { type: 'string', short: 'n' },
    },
    strict: true,
  });
  const dataset = values.dataset as DatasetName | undefined;
  if (!dataset || !DATASET_NAMES.includes(dataset)) throw new UsageError(`unknown or missing --dataset; ${USAGE}`);
  let limit: number | undefined;
  if (values.limit !== undefined) {
    limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive integer; ${USAGE}`);
  }
  return { dataset, dir: values.dir, limit };
}

/** An in-place status line on a terminal; occasional plain lines for logs and pipes. */
function progressReporter(): { update(progress: ImportProgress): void; stop(): void } {
  if (process.stdout.isTTY) {
    const bar = new cliProgress.SingleBar(
      // Stream lengths are not known in advance, so the line counts rather than fills a bar.
      { format: '{phase} {value} read, {inserted} new | {duration_formatted}', hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    let phase: ImportPhase | null = null;
    return {
      update(progress) {
        if (progress.phase !== phase) {
          if (phase !== null) bar.stop();
          phase = progress.phase;
          bar.start(0, 0, { phase: phase.padEnd(12), inserted: 0 });
        }
        bar.update(progress.read, { inserted: progress.inserted });
      },
      stop: () => bar.stop(),
    };
  }
  const line = (p: ImportProgress) => `${p.phase}: ${p.read} read, ${p.inserted} new`;
  let latest: ImportProgress | null = null;
  let lastPrinted = '';
  let printedAt = Date.now();
  const print = (p: ImportProgress) => {
    if (line(p) !== lastPrinted) console.log((lastPrinted = line(p)));
    printedAt = Date.now();
  };
  return {
    update(progress) {
      // Every phase's final count is printed, when the next phase starts or at stop().
      if (latest && latest.phase !== progress.phase) print(latest);
      latest = progress;
      if (Date.now() - printedAt >= PLAIN_PROGRESS_EVERY_MS) print(progress);
    },
    stop() {
      if (latest) print(latest);
    },
  };
}

function printSummary(result: ImportResult, issues: ParseIssue[], seconds: number): void {
  console.log(`\nimported in ${seconds.toFixed(1)} s`);
  for (const phase of ['users', 'items', 'interactions', 'follows'] as const) {
    const c = result[phase];
    const columns = [`${c.read} read`, `${c.inserted} inserted`, `${c.skipped} skipped`, `${result.seconds[phase].toFixed(1)} s`];
    console.log(`  ${phase.padEnd(13)}${columns.map((column) => column.padStart(18)).join('')}`);
  }
  if (result.interactions.repeats > 0) {
    console.log(`  (${result.interactions.repeats} interactions repeated a (user, item) pair; the last value was kept)`);
  }
  if (issues.length === 0) return;
  console.log(`\nskipped lines:`);
  for (const issue of issues.slice(0, ISSUES_SHOWN)) console.log(`  ${issue.file}:${issue.line}  ${issue.reason}`);
  if (issues.length > ISSUES_SHOWN) console.log(`  ... and ${issues.length - ISSUES_SHOWN} more`);
  console.log(`  ${issues.length} skipped line(s) in total`);
}

async function main(): Promise<void> {
  const args = parseArguments(process.argv.slice(2));
  const reader = openDataset(args.dataset, args.dir);
  const config = loadConfig();
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolSize: config.databasePoolSize });
  try {
    await migrate(db);
    console.log(`importing ${args.dataset} from ${reader.dir} into ${db.kind === 'postgres' ? 'Postgres' : `PGlite (${config.dataDir})`}`);
    const progress = progressReporter();
    const started = process.hrtime.bigint();
    let result: ImportResult;
    try {
      result = await importDataset(db, reader, { limit: args.limit, onProgress: (p) => progress.update(p) });
    } finally {
      progress.stop();
    }
    printSummary(result, reader.issues, Number(process.hrtime.bigint() - started) / 1e9);
  } finally {
    await db.close();
  }
}

main().catch(exitOnError);
