/**
 * Loads a public dataset into the database: users, items, interactions, then follows.
 *
 * Every write is one multi-row `INSERT ... SELECT FROM unnest(...)` per batch, so a batch
 * costs one round trip on Postgres and on PGlite alike, and external ids are turned into
 * internal ids by joining the batch against "User"/"Item" inside that same statement (the
 * batched lookup). A row whose user or item is not in the database is skipped, never
 * half-written; a friendship's two directions go in one statement.
 *
 * Idempotent: users and items conflict on their unique externalId/handle, follows on their
 * primary key, and interactions (which have no unique key) are inserted only when no row
 * with the same (user, item, type) exists. A second run therefore adds nothing.
 */
import type { Database } from '../db/client';
import type { DatasetEdge, DatasetInteraction, DatasetItem, DatasetReader, DatasetUser } from '../datasets/types';

export type ImportPhase = 'users' | 'items' | 'interactions' | 'follows';

export interface PhaseCounts {
  /** Records read from the dataset (for follows: edges; a mutual edge makes two rows). */
  read: number;
  inserted: number;
  /** Rows not written: already present, a missing user or item, a self-follow, a repeat. */
  skipped: number;
}

export interface ImportProgress {
  phase: ImportPhase;
  read: number;
  inserted: number;
}

export interface ImportOptions {
  /** Import only the first `limit` interactions and `limit` edges, and the users and items they use. */
  limit?: number;
  onProgress?: (progress: ImportProgress) => void;
  /** Rows per statement; a few thousand keeps each round trip large but memory small. */
  batchSize?: number;
}

export interface ImportResult {
  users: PhaseCounts;
  items: PhaseCounts;
  /** `repeats`: (user, item, type) pairs seen again in the dataset; the last value is kept. */
  interactions: PhaseCounts & { repeats: number };
  follows: PhaseCounts;
}

/** Interactions of datasets without timestamps get this fixed time, so re-imports agree. */
export const UNDATED_INTERACTION_TIME = new Date(0);

const DEFAULT_BATCH_SIZE = 5000;

export async function importDataset(db: Database, reader: DatasetReader, options: ImportOptions = {}): Promise<ImportResult> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const dataset = reader.name;
  const report = options.onProgress ?? (() => {});
  const scope = options.limit === undefined ? null : await limitedScope(reader, options.limit);

  const users = await runPhase('users', reader.users(), batchSize, report, (batch) => insertUsers(db, dataset, batch), scope && ((u) => scope.users.has(u.externalId)));
  const items = await runPhase('items', reader.items(), batchSize, report, (batch) => insertItems(db, dataset, batch), scope && ((i) => scope.items.has(i.externalId)));
  // Fresh statistics let the planner use the unique indexes for the id joins below.
  await db.exec('ANALYZE "User"; ANALYZE "Item"');

  const interactions = await importInteractions(db, dataset, take(reader.interactions(), options.limit), batchSize, report);
  const follows = await runPhase('follows', take(reader.edges(), options.limit), batchSize, report, (batch) => insertFollows(db, dataset, batch));
  return { users, items, interactions, follows };
}

/** The users and items that the first `limit` interactions and edges refer to. */
async function limitedScope(reader: DatasetReader, limit: number): Promise<{ users: Set<string>; items: Set<string> }> {
  const users = new Set<string>();
  const items = new Set<string>();
  for await (const row of take(reader.interactions(), limit)) {
    users.add(row.user);
    items.add(row.item);
  }
  for await (const edge of take(reader.edges(), limit)) {
    users.add(edge.from);
    users.add(edge.to);
  }
  return { users, items };
}

async function* take<T>(source: AsyncIterable<T>, limit: number | undefined): AsyncGenerator<T> {
  if (limit !== undefined && limit <= 0) return;
  let count = 0;
  for await (const value of source) {
    yield value;
    if (limit !== undefined && ++count >= limit) return;
  }
}

/** Streams `source` in batches through `insert`, which returns how many rows it wrote. */
async function runPhase<T>(
  phase: ImportPhase,
  source: AsyncIterable<T>,
  batchSize: number,
  report: (progress: ImportProgress) => void,
  insert: (batch: T[]) => Promise<{ rows: number; inserted: number }>,
  keep?: ((value: T) => boolean) | null,
): Promise<PhaseCounts> {
  const counts: PhaseCounts = { read: 0, inserted: 0, skipped: 0 };
  let batch: T[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const { rows, inserted } = await insert(batch);
    counts.inserted += inserted;
    counts.skipped += rows - inserted;
    batch = [];
    report({ phase, read: counts.read, inserted: counts.inserted });
  };
  for await (const value of source) {
    if (keep && !keep(value)) continue;
    counts.read++;
    batch.push(value);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  report({ phase, read: counts.read, inserted: counts.inserted });
  return counts;
}

/** Runs an `INSERT ... RETURNING 1` and counts the rows it wrote. */
async function countInserted(db: Database, insertSql: string, params: unknown[]): Promise<number> {
  const [row] = await db.query<{ n: number }>(`WITH written AS (${insertSql} RETURNING 1) SELECT count(*)::int AS n FROM written`, params);
  return row?.n ?? 0;
}

function insertUsers(db: Database, dataset: string, batch: DatasetUser[]) {
  const sql = `INSERT INTO "User" ("externalId", "handle", "displayName")
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
    ON CONFLICT DO NOTHING`;
  const ids = batch.map((u) => u.externalId);
  return countInserted(db, sql, [
    ids.map((id) => `${dataset}:${id}`),
    ids.map((id) => `${dataset}-${id}`),
    ids.map((id) => `${dataset} user ${id}`),
  ]).then((inserted) => ({ rows: batch.length, inserted }));
}

function insertItems(db: Database, dataset: string, batch: DatasetItem[]) {
  // unnest() cannot take an array of arrays of different lengths, so tags travel as JSON.
  const sql = `INSERT INTO "Item" ("externalId", "title", "category", "tags")
    SELECT ext, title, category, ARRAY(SELECT jsonb_array_elements_text(tags::jsonb))
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS r(ext, title, category, tags)
    ON CONFLICT DO NOTHING`;
  return countInserted(db, sql, [
    batch.map((i) => `${dataset}:${i.externalId}`),
    batch.map((i) => i.title),
    batch.map((i) => i.category),
    batch.map((i) => JSON.stringify(i.tags)),
  ]).then((inserted) => ({ rows: batch.length, inserted }));
}

function insertFollows(db: Database, dataset: string, batch: DatasetEdge[]) {
  const from: string[] = [];
  const to: string[] = [];
  for (const edge of batch) {
    from.push(`${dataset}:${edge.from}`);
    to.push(`${dataset}:${edge.to}`);
    if (edge.mutual) {
      from.push(`${dataset}:${edge.to}`);
      to.push(`${dataset}:${edge.from}`);
    }
  }
  const sql = `INSERT INTO "Follow" ("followerId", "followeeId")
    SELECT a.id, b.id
    FROM unnest($1::text[], $2::text[]) AS r(follower, followee)
    JOIN "User" a ON a."externalId" = r.follower
    JOIN "User" b ON b."externalId" = r.followee
    WHERE a.id <> b.id
    ON CONFLICT DO NOTHING`;
  return countInserted(db, sql, [from, to]).then((inserted) => ({ rows: from.length, inserted }));
}

/**
 * Interactions need more than ON CONFLICT, because the table has no unique key and a
 * dataset may rate the same pair twice (Ciao, Epinions, FilmTrust), the last value winning:
 *
 * - Within this run, pairs are tracked by external key. A pair already written by an earlier
 *   batch of this run is not inserted again but updated, and only on rows with an id above
 *   the watermark taken at the start, so rows of earlier runs are never changed.
 * - Across runs, the insert skips a pair that already has a row (NOT EXISTS, served by the
 *   (itemId, type) index). That makes a second run add nothing.
 */
async function importInteractions(
  db: Database,
  dataset: string,
  source: AsyncIterable<DatasetInteraction>,
  batchSize: number,
  report: (progress: ImportProgress) => void,
): Promise<PhaseCounts & { repeats: number }> {
  const counts = { read: 0, inserted: 0, skipped: 0, repeats: 0 };
  const [{ watermark }] = await db.query<{ watermark: string }>(
    `SELECT coalesce(max(id), 0)::text AS watermark FROM "Interaction"`,
  );
  const written = new Set<string>();
  let inserts = new Map<string, DatasetInteraction>();
  let updates = new Map<string, DatasetInteraction>();

  const flush = async () => {
    if (inserts.size > 0) {
      const rows = [...inserts.values()];
      const inserted = await countInserted(db, INSERT_INTERACTIONS, interactionParams(dataset, rows));
      counts.inserted += inserted;
      counts.skipped += rows.length - inserted;
      for (const key of inserts.keys()) written.add(key);
    }
    if (updates.size > 0) {
      await db.query(UPDATE_REPEATED_INTERACTIONS, [...interactionParams(dataset, [...updates.values()]), watermark]);
    }
    inserts = new Map();
    updates = new Map();
    report({ phase: 'interactions', read: counts.read, inserted: counts.inserted });
  };

  for await (const row of source) {
    counts.read++;
    const key = `${row.user}\u0000${row.item}\u0000${row.type}`;
    if (written.has(key)) {
      counts.repeats++;
      counts.skipped++;
      updates.set(key, row);
    } else {
      if (inserts.has(key)) {
        counts.repeats++;
        counts.skipped++;
      }
      // Map.set on an existing key keeps its slot but takes the later value: last one wins.
      inserts.set(key, row);
    }
    if (inserts.size + updates.size >= batchSize) await flush();
  }
  await flush();
  return counts;
}

function interactionParams(dataset: string, rows: DatasetInteraction[]): unknown[] {
  return [
    rows.map((r) => `${dataset}:${r.user}`),
    rows.map((r) => `${dataset}:${r.item}`),
    rows.map((r) => r.type),
    rows.map((r) => r.value),
    // ISO strings with a zone, read as UTC below: immune to the session's TimeZone.
    rows.map((r) => (r.time ?? UNDATED_INTERACTION_TIME).toISOString()),
  ];
}

const INTERACTION_ROWS = `
  SELECT u.id AS user_id, i.id AS item_id, r.type::"InteractionType" AS type, r.value,
         (r.at::timestamptz AT TIME ZONE 'UTC') AS at
  FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::text[]) AS r(user_ext, item_ext, type, value, at)
  JOIN "User" u ON u."externalId" = r.user_ext
  JOIN "Item" i ON i."externalId" = r.item_ext`;

const INSERT_INTERACTIONS = `INSERT INTO "Interaction" ("userId", "itemId", "type", "value", "createdAt")
  SELECT n.user_id, n.item_id, n.type, n.value, n.at FROM (${INTERACTION_ROWS}) AS n
  WHERE NOT EXISTS (
    SELECT 1 FROM "Interaction" x WHERE x."itemId" = n.item_id AND x."type" = n.type AND x."userId" = n.user_id
  )`;

const UPDATE_REPEATED_INTERACTIONS = `UPDATE "Interaction" x SET "value" = n.value, "createdAt" = n.at
  FROM (${INTERACTION_ROWS}) AS n
  WHERE x."itemId" = n.item_id AND x."type" = n.type AND x."userId" = n.user_id AND x.id > $6::bigint`;
