/**
 * Step 1 of `npm run bench`: a Postgres database holding the dataset and an active model.
 * Import and training run as child processes through the same CLIs a person would use, so
 * the training time and peak memory measured are those of `npm run train`.
 */
import pg from 'pg';
import type { DatasetName } from '../datasets/types';
import { runTsEntry } from './child';

export interface DataSizes {
  users: number;
  items: number;
  interactions: number;
  follows: number;
}

export interface TrainingMeasurement {
  /** Wall time of the whole `npm run train -- --kind all` process, start-up included. */
  wallSeconds: number;
  peakRssBytes: number | null;
  /** Per kind, as the train CLI reports it (seconds, outcome, metrics). */
  runs: Array<{ kind: string; outcome: string; seconds: number; error: string | null; metrics: unknown }>;
}

export function databaseUrl(postgresUrl: string, database: string): string {
  const url = new URL(postgresUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Creates the database unless it exists; true when it was created. */
export async function ensureDatabase(postgresUrl: string, database: string): Promise<boolean> {
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`database name must match [a-z_][a-z0-9_]*, got "${database}"`);
  const client = new pg.Client({ connectionString: databaseUrl(postgresUrl, 'postgres') });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (rowCount) return false;
    await client.query(`CREATE DATABASE "${database}"`);
    return true;
  } finally {
    await client.end();
  }
}

/** Rows of the dataset (users and items by their `<dataset>:` external-id prefix); zeros before migrations. */
export async function dataSizes(url: string, dataset: DatasetName): Promise<DataSizes> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows: tables } = await client.query(`SELECT to_regclass('"User"') IS NOT NULL AS ready`);
    if (!tables[0].ready) return { users: 0, items: 0, interactions: 0, follows: 0 };
    const { rows } = await client.query(
      `SELECT (SELECT count(*) FROM "User" WHERE starts_with("externalId", $1))::int AS users,
              (SELECT count(*) FROM "Item" WHERE starts_with("externalId", $1))::int AS items,
              (SELECT count(*) FROM "Interaction")::int AS interactions,
              (SELECT count(*) FROM "Follow")::int AS follows`,
      [`${dataset}:`],
    );
    return rows[0] as DataSizes;
  } finally {
    await client.end();
  }
}

export async function importDatasetInto(url: string, dataset: DatasetName): Promise<number> {
  const result = await runTsEntry('src/cli/import.ts', ['--dataset', dataset], { ...process.env, DATABASE_URL: url }, '  import | ');
  if (result.exitCode !== 0) throw new Error(`npm run import exited with ${result.exitCode}`);
  return result.wallSeconds;
}

/** The train CLI prints one pretty-printed JSON object per kind, each opening with "{" on its own line. */
function parseTrainOutput(stdout: string): TrainingMeasurement['runs'] {
  const objects = stdout.match(/^\{$[\s\S]*?^\}$/gm) ?? [];
  return objects.map((text) => {
    const run = JSON.parse(text) as { kind: string; outcome: string; seconds: number; error: string | null; metrics: unknown };
    // Errors may carry a stack trace: the first line is the message.
    const error = run.error ? run.error.split('\n')[0] : null;
    return { kind: run.kind, outcome: run.outcome, seconds: run.seconds, error, metrics: run.metrics ?? null };
  });
}

export async function trainAll(url: string): Promise<TrainingMeasurement> {
  const env = { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn' };
  const result = await runTsEntry('src/cli/train.ts', ['--kind', 'all'], env, '  train  | ');
  const runs = parseTrainOutput(result.stdout);
  if (runs.length === 0) throw new Error(`npm run train exited with ${result.exitCode} and reported no run`);
  return { wallSeconds: result.wallSeconds, peakRssBytes: result.peakRssBytes, runs };
}

/** Random dataset users and items that have interactions (or, for users, follows), as numeric ids. */
export async function sampleIds(url: string, dataset: DatasetName, count: number): Promise<{ users: number[]; items: number[] }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SELECT setseed(0.42)');
    const users = await client.query(
      `SELECT id FROM "User" u WHERE starts_with("externalId", $1) AND "erasedAt" IS NULL
         AND (EXISTS (SELECT 1 FROM "Interaction" i WHERE i."userId" = u.id) OR EXISTS (SELECT 1 FROM "Follow" f WHERE f."followerId" = u.id))
       ORDER BY random() LIMIT $2`,
      [`${dataset}:`, count],
    );
    const items = await client.query(
      `SELECT id FROM "Item" t WHERE starts_with("externalId", $1) AND NOT hidden
         AND EXISTS (SELECT 1 FROM "Interaction" i WHERE i."itemId" = t.id)
       ORDER BY random() LIMIT $2`,
      [`${dataset}:`, count],
    );
    return { users: users.rows.map((r) => Number(r.id)), items: items.rows.map((r) => Number(r.id)) };
  } finally {
    await client.end();
  }
}

/**
 * Registers the active ITEMS version's artifact again as a new CANDIDATE version: a second
 * trained version for the experiment row without a second training run. Its lists equal the
 * control's, so the row measures what running an experiment costs, not a different model.
 */
export async function copyActiveItemsVersion(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      `INSERT INTO "ModelVersion" (kind, status, params, "dataSizes", metrics, backend, "trainingMs", artifact, "artifactBytes", checksum, "dataWatermark")
       SELECT kind, 'CANDIDATE', params, "dataSizes", metrics, backend, "trainingMs", artifact, "artifactBytes", checksum, "dataWatermark"
       FROM "ModelVersion" WHERE kind = 'ITEMS' AND status = 'ACTIVE'
       RETURNING id`,
    );
    if (!rows[0]) throw new Error('no ACTIVE ITEMS version to copy');
    return Number(rows[0].id);
  } finally {
    await client.end();
  }
}
