/**
 * `npm run eval -- --dataset <name> --task items|friends [--seed S] [--split random|temporal]
 * [--k 10,20] [--dir PATH] [--json FILE] [--item-tags on|off] [--served]`: the offline protocol of
 * ../shared/EVALUATION.md. Prints the table (and writes it as JSON when asked). `--served` adds
 * the row of the same split run through the product (import -> train -> GraphQL; served.ts),
 * on a fresh database on DATABASE_URL's server, else on PGlite in a temp folder.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { DATASET_NAMES, type DatasetName } from '../datasets/types';
import { runItemsEvaluation } from '../recommender/eval/items-eval';
import { runServedEvaluation } from '../recommender/eval/served';
import { formatTable, type EvalTable } from '../recommender/eval/report';
import type { SplitMode } from '../recommender/eval/split';
import { runFriendsEvaluation } from '../recommender/eval/friends/evaluate';
import { exitOnError } from './errors';

const USAGE = `usage: npm run eval -- --dataset <${DATASET_NAMES.join('|')}> --task items|friends [--seed S] [--split random|temporal] [--k 10,20] [--dir PATH] [--json FILE] [--item-tags on|off] [--served]`;

class UsageError extends Error {}

interface Arguments {
  dataset: DatasetName;
  task: 'items' | 'friends';
  seed: number;
  split: SplitMode;
  ks: number[];
  dir: string | undefined;
  json: string | undefined;
  itemTags: boolean | undefined;
  served: boolean;
}

function parseArguments(argv: string[]): Arguments {
  const { values } = parseArgs({
    args: argv,
    options: {
      dataset: { type: 'string' },
      task: { type: 'string', default: 'items' },
      seed: { type: 'string', default: '17' },
      split: { type: 'string', default: 'random' },
      k: { type: 'string', default: '10,20' },
      dir: { type: 'string' },
      json: { type: 'string' },
      'item-tags': { type: 'string' },
      served: { type: 'boolean', default: false },
    },
  });
  const dataset = values.dataset as DatasetName;
  if (!DATASET_NAMES.includes(dataset)) throw new UsageError(`unknown or missing --dataset`);
  if (values.task !== 'items' && values.task !== 'friends') throw new UsageError(`--task must be items or friends`);
  if (values.split !== 'random' && values.split !== 'temporal') throw new UsageError(`--split must be random or temporal`);
  const seed = Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new UsageError(`--seed must be a non-negative integer`);
  const ks = values.k!.split(',').map(Number);
  if (ks.some((k) => !Number.isInteger(k) || k <= 0)) throw new UsageError(`--k must be positive integers, comma-separated`);
  const tags = values['item-tags'];
  if (tags !== undefined && tags !== 'on' && tags !== 'off') throw new UsageError(`--item-tags must be on or off`);
  return {
    dataset,
    task: values.task,
    seed,
    split: values.split,
    ks,
    dir: values.dir,
    json: values.json,
    itemTags: tags === undefined ? undefined : tags === 'on',
    served: values.served ?? false,
  };
}

async function main(): Promise<void> {
  let args: Arguments;
  try {
    args = parseArguments(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError) && !(error instanceof TypeError)) throw error;
    console.error(`${(error as Error).message}; ${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const log = (message: string) => console.error(`[eval] ${message}`);
  const table: EvalTable =
    args.task === 'items'
      ? await runItemsEvaluation({ ...args, log })
      : await runFriendsEvaluation({ dataset: args.dataset, dir: args.dir, seed: args.seed, ks: args.ks });
  if (args.served) table.rows.push(await runServedEvaluation({ ...args, databaseUrl: process.env.DATABASE_URL || null, log }));
  console.log(formatTable(table));
  if (args.json) writeFileSync(args.json, `${JSON.stringify(table, null, 2)}\n`);
}

main().catch(exitOnError);
