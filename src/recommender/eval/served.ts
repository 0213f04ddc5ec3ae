/**
 * The protocol of ../shared/EVALUATION.md run through the product, as an outside judge runs
 * it: the training part of a split is written as dataset files, imported by the real
 * importer into a fresh database, trained by the real retrain job (what `npm run train`
 * runs), served by the real app, and every held-out user's list is asked for over HTTP
 * through GraphQL with an admin token. The split is the offline evaluation's (same seed,
 * same rule), so the served row sits next to the offline rows of the same split.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';

import { mintToken } from '../../auth';
import { loadConfig } from '../../config';
import { openDatabase, type Database } from '../../db/client';
import { migrate } from '../../db/migrate';
import { defaultDatasetDir, openDataset } from '../../datasets/open';
import type { DatasetName } from '../../datasets/types';
import { importDataset } from '../../importer/import-dataset';
import { startRetrain } from '../../jobs/retrain';
import { createLogger } from '../../logger';
import { startServer } from '../../server';
import { unpackArtifact, type ModelKind } from '../artifact';
import { deserialize as deserializeItemModel } from '../items/artifact';
import { readArtifact } from '../registry';
import { HELD_OUT_FRACTION } from './friends/evaluate';
import { loadFriendGraph } from './friends/load';
import { holdOutFriendships } from '../train/friends/split';
import { loadIndexedDataset } from './items/from-dataset';
import { MetricsAccumulator } from './metrics';
import type { EvalRow } from './report';
import { seededRng } from './rng';
import { heldOutByUser, holdOut, type SplitMode } from './split';

export interface ServedEvalOptions {
  dataset: DatasetName;
  task: 'items' | 'friends';
  dir?: string;
  seed: number;
  split: SplitMode;
  ks: number[];
  /** Last.fm artist tags leak held-out taggings (docs/evaluation.md); off for Last.fm unless asked. */
  itemTags?: boolean;
  /** A Postgres server: a fresh database is created on it (and dropped). Absent: PGlite in a temp folder. */
  databaseUrl?: string | null;
  log?: (message: string) => void;
}

/**
 * Where each dataset keeps the file the split filters: its name, header lines, and which
 * fields name the pair. Every other file of the folder is linked unchanged.
 */
interface SplitFile {
  file: string;
  headerLines: number;
  separator: string | RegExp;
}
const ITEM_FILES: Partial<Record<DatasetName, SplitFile>> = {
  'movielens-100k': { file: 'u.data', headerLines: 0, separator: '\t' },
  lastfm: { file: 'user_artists.dat', headerLines: 1, separator: '\t' },
  filmtrust: { file: 'ratings.txt', headerLines: 0, separator: /\s+/ },
  ciao: { file: 'ratings.tsv', headerLines: 0, separator: '\t' },
};
const FRIEND_FILES: Partial<Record<DatasetName, SplitFile>> = {
  lastfm: { file: 'user_friends.dat', headerLines: 1, separator: '\t' },
  'facebook-ego': { file: 'facebook_combined.txt', headerLines: 0, separator: /\s+/ },
};
/** Held-out users asked at once: enough to keep both cores busy, few enough not to queue. */
const CONCURRENCY = 4;

const pairKey = (a: string, b: string) => `${a}\u0000${b}`;

/** Copies `from` into `to` with the rows whose first two fields form a key in `drop` left out. */
function writeFiltered(from: string, to: string, spec: SplitFile, drop: (a: string, b: string) => boolean): number {
  const lines = readFileSync(path.join(from, spec.file), 'latin1').split('\n');
  const out: string[] = [];
  let dropped = 0;
  lines.forEach((line, n) => {
    const fields = line.trim().split(spec.separator);
    if (n >= spec.headerLines && fields.length >= 2 && drop(fields[0], fields[1])) dropped++;
    else out.push(line);
  });
  writeFileSync(path.join(to, spec.file), out.join('\n'), 'latin1');
  return dropped;
}

/** A folder holding the dataset with `spec.file` filtered; the other files are symlinks. */
function splitFolder(source: string, spec: SplitFile, drop: (a: string, b: string) => boolean, blank: string[] = []): { dir: string; dropped: number } {
  const dir = mkdtempSync(path.join(tmpdir(), 'served-eval-'));
  const data = path.join(dir, 'data');
  mkdirSync(data);
  for (const name of readdirSync(source)) {
    if (name === spec.file) continue;
    if (blank.includes(name)) {
      // Header only: the reader still finds the file, with no rows in it.
      writeFileSync(path.join(data, name), `${readFileSync(path.join(source, name), 'latin1').split('\n')[0]}\n`, 'latin1');
    } else symlinkSync(path.join(source, name), path.join(data, name));
  }
  return { dir, dropped: writeFiltered(source, data, spec, drop) };
}

/** A database nobody else uses: a new one on the Postgres server, or PGlite in `dir`. */
async function freshDatabase(databaseUrl: string | null | undefined, dir: string): Promise<{ url: string | null; dataDir: string; drop(): Promise<void> }> {
  const dataDir = path.join(dir, 'db');
  if (!databaseUrl) return { url: null, dataDir, drop: async () => {} };
  const name = `served_eval_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    dataDir,
    async drop() {
      const again = new Client({ connectionString: databaseUrl });
      await again.connect();
      await again.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await again.end();
    },
  };
}

interface Target {
  /** Dataset user id -> held-out ids (dataset ids of items or users). */
  heldOut: Map<string, Set<string>>;
  catalogueSize: number;
}

export interface ServedResult {
  row: EvalRow;
  /** Per held-out user, the dataset ids served, best first (what was scored). */
  lists: Map<string, string[]>;
}

/**
 * Imports `folder` into a fresh database, trains `kind` with the retrain job, serves it and
 * scores every held-out user's list. Never leaves the database or the server behind.
 */
export async function serveAndScore(
  options: Pick<ServedEvalOptions, 'dataset' | 'ks' | 'databaseUrl' | 'log'>,
  folder: string,
  kind: ModelKind,
  target: Target,
): Promise<ServedResult> {
  const log = options.log ?? (() => {});
  const fresh = await freshDatabase(options.databaseUrl, folder);
  const secret = randomBytes(16).toString('hex');
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    PORT: '0',
    DATABASE_URL: fresh.url ?? '',
    DATA_DIR: fresh.dataDir,
    JWT_SECRET: secret,
    JWT_JWKS_URL: '',
    SEED_DEMO: 'false',
    TRAIN_ON_START: 'false',
    RATE_LIMIT_PER_MINUTE: '0',
    LOG_LEVEL: 'warn',
  });
  const logger = createLogger('warn');
  let db: Database | null = null;
  try {
    db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolSize: config.databasePoolSize });
    await migrate(db);
    const imported = await importDataset(db, openDataset(options.dataset, path.join(folder, 'data')));
    log(`imported ${imported.interactions.inserted} interactions, ${imported.follows.inserted} follows`);
    const started = Date.now();
    const run = await startRetrain({ config, db, logger }, kind, 'CLI');
    if ('busy' in run) throw new Error('another training run holds the lock');
    const done = await run.done;
    const trainMs = Date.now() - started;
    if (done.outcome !== 'PROMOTED') throw new Error(`training did not promote a version: ${done.outcome} ${done.error ?? ''}`);
    log(`trained ${kind} in ${(trainMs / 1000).toFixed(1)} s`);
    if (kind === 'ITEMS') log(`served item model: ${await describeItemVersion(db, done.versionId)}`);

    const server = await startServer(config, logger, { db });
    try {
      const prefix = `${options.dataset}:`;
      const users = await db.query<{ id: number; externalId: string }>(`SELECT id, "externalId" FROM "User" WHERE starts_with("externalId", $1) ORDER BY id LIMIT 1`, [prefix]);
      const token = await mintToken(secret, users[0].id, { admin: true });
      const field =
        kind === 'ITEMS'
          ? 'recommendedItems(first: $first) { source edges { node { externalId } } }'
          : 'friendSuggestions(first: $first) { source edges { node { externalId } } }';
      const query = `query($e: String!, $first: Int!) { user(externalId: $e) { list: ${field} } }`;
      const first = Math.max(...options.ks);
      const ask = async (user: string): Promise<{ ids: string[]; source: string }> => {
        const response = await fetch(server.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query, variables: { e: `${prefix}${user}`, first } }),
        });
        const body = (await response.json()) as { data?: { user: { list: { source: string; edges: { node: { externalId: string } }[] } } | null }; errors?: unknown[] };
        if (body.errors || !body.data) throw new Error(`GraphQL for ${user}: ${JSON.stringify(body.errors)}`);
        // A user whose every row was held out (an ego-Facebook node with all its edges held
        // out) was never imported: the product has nothing for them, and that scores zero.
        if (!body.data.user) return { source: 'UNKNOWN_USER', ids: [] };
        const list = body.data.user.list;
        return { source: list.source, ids: list.edges.map((edge) => edge.node.externalId.slice(prefix.length)) };
      };
      const lists = new Map<string, string[]>();
      const sources = new Map<string, number>();
      const queue = [...target.heldOut.keys()];
      const askedAt = Date.now();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          for (let user = queue.shift(); user !== undefined; user = queue.shift()) {
            const { ids, source } = await ask(user);
            lists.set(user, ids);
            sources.set(source, (sources.get(source) ?? 0) + 1);
          }
        }),
      );
      const perUser = (Date.now() - askedAt) / Math.max(1, lists.size);
      // The accumulator wants indices: number the served and held-out ids on the fly.
      const index = new Map<string, number>();
      const at = (id: string) => index.get(id) ?? (index.set(id, index.size), index.size - 1);
      const accumulator = new MetricsAccumulator(options.ks, target.catalogueSize);
      for (const [user, held] of target.heldOut) {
        accumulator.add(lists.get(user)!.map(at), new Set([...held].map(at)));
      }
      const r = accumulator.result();
      const note = `through GraphQL over HTTP; sources ${JSON.stringify(Object.fromEntries(sources))}; ${perUser.toFixed(1)} ms/user`;
      return { row: { model: 'Served (import -> train -> GraphQL)', recall: r.recall, ndcg: r.ndcg, coverage: r.coverage, trainMs, note }, lists };
    } finally {
      await server.stop();
    }
  } finally {
    await db?.close();
    await fresh.drop();
  }
}

/** What the promoted item version serves: its item-item setting and whether its ranker replaced that order. */
async function describeItemVersion(db: Database, versionId: number | null): Promise<string> {
  const row = versionId === null ? null : await readArtifact(db, versionId);
  if (!row) return 'no version';
  const model = deserializeItemModel(unpackArtifact(row.artifact, row.checksum).model);
  const ii = model.config.itemItem;
  const setting = model.itemItemKind === 'ease' ? `lambda=${Math.round(ii.lambda)}` : `beta=${ii.beta} shrink=${ii.shrink}`;
  // A ranker that failed its gate is kept as its starting point: the item-item order (output layer at zero).
  const learned = model.ranker !== null && model.ranker.w2.some((w) => w !== 0);
  return `${model.itemItemKind} ${setting}, recency boost ${model.config.recency.boost}; ${learned ? 'learned ranker' : 'item-item order'}`;
}

/** The served row for one dataset, task and split. */
export async function runServedEvaluation(options: ServedEvalOptions): Promise<EvalRow> {
  const source = path.resolve(options.dir ?? defaultDatasetDir(options.dataset));
  let folder: { dir: string; dropped: number };
  let target: Target;
  if (options.task === 'items') {
    const spec = ITEM_FILES[options.dataset];
    if (!spec) throw new Error(`--served supports the items task for ${Object.keys(ITEM_FILES).join(', ')}`);
    const ds = await loadIndexedDataset(openDataset(options.dataset, source));
    const split = holdOut(ds.pairs, { mode: options.split, seed: options.seed });
    const heldOut = new Map<string, Set<string>>();
    for (const [u, items] of heldOutByUser(ds.pairs, split.heldOut)) heldOut.set(ds.userIds[u], new Set([...items].map((i) => ds.itemIds[i])));
    const drop = new Set<string>();
    for (const [u, items] of heldOut) for (const i of items) drop.add(pairKey(u, i));
    const tags = options.itemTags ?? options.dataset !== 'lastfm';
    folder = splitFolder(source, spec, (a, b) => drop.has(pairKey(a, b)), tags || options.dataset !== 'lastfm' ? [] : ['user_taggedartists.dat']);
    target = { heldOut, catalogueSize: ds.pairs.numItems };
  } else {
    const spec = FRIEND_FILES[options.dataset];
    if (!spec) throw new Error(`--served supports the friends task for ${Object.keys(FRIEND_FILES).join(', ')}`);
    const input = await loadFriendGraph(options.dataset, source);
    // Same draw as runFriendsEvaluation: same fraction, same seeded generator.
    const split = holdOutFriendships(input.numUsers, input.edgeA, input.edgeB, HELD_OUT_FRACTION, seededRng(options.seed));
    const heldOut = new Map<string, Set<string>>();
    const drop = new Set<string>();
    for (const [u, friends] of split.heldOut) {
      heldOut.set(input.userIds[u], new Set([...friends].map((v) => input.userIds[v])));
      for (const v of friends) drop.add(pairKey(input.userIds[u], input.userIds[v]));
    }
    folder = splitFolder(source, spec, (a, b) => drop.has(pairKey(a, b)));
    target = { heldOut, catalogueSize: input.numUsers };
  }
  try {
    options.log?.(`split written to ${folder.dir} (${folder.dropped} held-out rows left out)`);
    return (await serveAndScore(options, folder.dir, options.task === 'items' ? 'ITEMS' : 'FRIENDS', target)).row;
  } finally {
    rmSync(folder.dir, { recursive: true, force: true });
  }
}
