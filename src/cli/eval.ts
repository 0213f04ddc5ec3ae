/**
 * `npm run eval -- --dataset <name> --task items|friends [--seed S] [--split random|temporal]
 * [--k 10,20] [--dir PATH] [--json FILE] [--item-tags on|off] [--served]`: the offline protocol of
 * ../shared/EVALUATION.md. Prints the table (and writes it as JSON when asked). `--served` adds
 * the row of the same split run through the product (import -> train -> GraphQL; served.ts),
 * on a fresh database on DATABASE_URL's server, else on PGlite in a temp folder.
 */
import { writeFileSync } from 'node:fs';

import { DATASET_NAMES } from '../datasets/types';
import { runItemsEvaluation } from '../recommender/eval/items-eval';
import { runServedEvaluation } from '../recommender/eval/served';
import { formatTable, type EvalTable } from '../recommender/eval/report';
import { runFriendsEvaluation } from '../recommender/eval/friends/evaluate';
import { parseCommand } from './args';
import { exitOnError } from './errors';

function parseArguments() {
  const { values, usageError } = parseCommand({
    command: 'npm run eval --',
    summary:
      "The offline protocol of ../shared/EVALUATION.md on a dataset's files (docs/evaluation.md, docs/evaluation-friends.md):\n" +
      'prints the table, and writes it as JSON when asked.',
    options: {
      dataset: { type: 'string', value: 'NAME', required: true, choices: DATASET_NAMES, help: 'the dataset to evaluate on' },
      task: { type: 'string', default: 'items', choices: ['items', 'friends'], help: 'item recommendation or friend suggestion' },
      seed: { type: 'string', value: 'S', default: '17', min: 0, help: 'seed of the split and the training' },
      split: { type: 'string', default: 'random', choices: ['random', 'temporal'], help: "how each user's held-out 20% is chosen (temporal: their latest), items only" },
      k: { type: 'string', value: 'K,...', default: '10,20', help: 'the cut-offs of Recall@K and NDCG@K' },
      dir: { type: 'string', value: 'PATH', help: "the dataset's own folder; default DATASETS_DIR/<its folder>" },
      json: { type: 'string', value: 'FILE', help: 'also write the table to FILE as JSON' },
      'item-tags': { type: 'string', choices: ['on', 'off'], help: "use the items' tags, items only; by default on, but off for lastfm, whose tags leak the held-out artists" },
      served: {
        type: 'boolean',
        help: "add the row of the same split run through import, training and the GraphQL API, on a fresh database on DATABASE_URL's server, else on PGlite",
      },
    },
  });
  const ks = values.k.split(',').map(Number);
  if (ks.some((k) => !Number.isInteger(k) || k <= 0)) throw usageError(`--k must be positive integers, comma-separated (not "${values.k}")`);
  const tags = values['item-tags'];
  return {
    dataset: values.dataset,
    task: values.task,
    seed: values.seed,
    split: values.split,
    ks,
    dir: values.dir,
    json: values.json,
    itemTags: tags === undefined ? undefined : tags === 'on',
    served: values.served,
  };
}

async function main(): Promise<void> {
  const args = parseArguments();
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
