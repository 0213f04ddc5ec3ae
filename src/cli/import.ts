/**
 * `npm run import -- --dataset <name> [--dir PATH] [--limit N]`: loads one public dataset
 * into the configured database (DATABASE_URL, else the embedded one in DATA_DIR),
 * applying pending migrations first. Safe to run again: a second run adds nothing.
 */
import cliProgress from 'cli-progress';

import { loadConfig } from '../config';
import { openDatabase } from '../db/client';
import { migrate } from '../db/migrate';
import { openDataset } from '../datasets/open';
import { parseCommand } from './args';
import { exitOnError } from './errors';
import { DATASET_NAMES, type ParseIssue } from '../datasets/types';
import { importDataset, type ImportPhase, type ImportProgress, type ImportResult } from '../importer/import-dataset';

const ISSUES_SHOWN = 20;
const PLAIN_PROGRESS_EVERY_MS = 2000;

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
  const args = parseCommand({
    command: 'npm run import --',
    summary:
      'Loads one public dataset into DATABASE_URL (Postgres), else the embedded database in DATA_DIR, applying pending\n' +
      'migrations first. Safe to run again: a second run adds nothing. Folders and files: docs/datasets.md.',
    options: {
      dataset: { type: 'string', short: 'd', value: 'NAME', required: true, choices: DATASET_NAMES, help: 'the dataset to import' },
      dir: { type: 'string', value: 'PATH', help: "the dataset's own folder; default DATASETS_DIR/<its folder>" },
      limit: { type: 'string', short: 'n', value: 'N', min: 1, help: 'only the first N interactions and N edges, and the users and items they name' },
    },
  }).values;
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
