/**
 * Writes a dataset's interactions. They need more than ON CONFLICT, because the table has
 * no unique key and a dataset may list the same (user, item, type) twice (Ciao, Epinions
 * and FilmTrust do), the last value winning:
 *
 * - Within one run, pairs are tracked in memory by their dataset ids. A pair already sent
 *   to the database is not inserted again but updated, and only on rows with an id above
 *   the watermark taken at the start, so a row written by an earlier run is never changed.
 * - Across runs, a row is skipped when its pair already has a row (NOT EXISTS through the
 *   (itemId, type) index). That probe is costly for popular items, so it is only made for
 *   users who had interactions before this run began; a first import skips it entirely.
 *   A second run therefore adds nothing, and a first run pays nothing for that guarantee.
 *
 * Two imports of the same dataset must not run at the same time.
 */
import type { Database } from '../db/client';
import type { DatasetInteraction } from '../datasets/types';
import { WriteQueue } from './write-queue';

export interface InteractionCounts {
  read: number;
  inserted: number;
  /** Repeats, pairs present from an earlier run, and rows whose user or item is unknown. */
  skipped: number;
  /** Rows that repeated a pair seen earlier in the dataset. */
  repeats: number;
}

export interface InteractionTarget {
  db: Database;
  /** Internal ids by dataset id, for every user and item of the dataset in the database. */
  userIds: Map<string, number>;
  itemIds: Map<string, number>;
  /** Time given to rows whose dataset has no timestamps. */
  undatedTime: Date;
  batchSize: number;
  onBatch(counts: InteractionCounts): void;
}

interface Row {
  userId: number;
  itemId: number;
  type: DatasetInteraction['type'];
  value: number;
  time: Date;
}

export async function writeInteractions(
  target: InteractionTarget,
  source: AsyncIterable<DatasetInteraction>,
): Promise<InteractionCounts> {
  const { db, userIds, itemIds, batchSize } = target;
  const counts: InteractionCounts = { read: 0, inserted: 0, skipped: 0, repeats: 0 };
  const watermark = await maxInteractionId(db);
  const usersWithHistory = await usersWithInteractions(db, [...new Set(userIds.values())]);
  const sent = new Set<string>();
  const queue = new WriteQueue();
  let inserts = new Map<string, Row>();
  let updates = new Map<string, Row>();

  const flush = async () => {
    const insertRows = [...inserts.values()];
    const updateRows = [...updates.values()];
    for (const key of inserts.keys()) sent.add(key);
    inserts = new Map();
    updates = new Map();
    await queue.push(async () => {
      if (insertRows.length > 0) {
        const inserted = await insertInteractions(db, insertRows, usersWithHistory);
        counts.inserted += inserted;
        counts.skipped += insertRows.length - inserted;
      }
      if (updateRows.length > 0) await updateInteractions(db, updateRows, watermark);
      target.onBatch({ ...counts });
    });
  };

  for await (const interaction of source) {
    counts.read++;
    const userId = userIds.get(interaction.user);
    const itemId = itemIds.get(interaction.item);
    if (userId === undefined || itemId === undefined) {
      counts.skipped++;
      continue;
    }
    const row = { userId, itemId, type: interaction.type, value: interaction.value, time: interaction.time ?? target.undatedTime };
    const key = `${userId}:${itemId}:${row.type}`;
    if (sent.has(key) || inserts.has(key)) {
      counts.repeats++;
      counts.skipped++;
    }
    // Map.set on a present key keeps its place and takes the later value: the last one wins.
    if (sent.has(key)) updates.set(key, row);
    else inserts.set(key, row);
    if (inserts.size + updates.size >= batchSize) await flush();
  }
  if (inserts.size + updates.size > 0) await flush();
  await queue.drain();
  target.onBatch({ ...counts });
  return counts;
}

async function maxInteractionId(db: Database): Promise<string> {
  const [row] = await db.query<{ id: string }>(`SELECT coalesce(max(id), 0)::text AS id FROM "Interaction"`);
  return row.id;
}

async function usersWithInteractions(db: Database, userIds: number[]): Promise<Set<number>> {
  const rows = await db.query<{ id: number }>(
    `SELECT u.id FROM unnest($1::int[]) AS u(id)
     WHERE EXISTS (SELECT 1 FROM "Interaction" x WHERE x."userId" = u.id)`,
    [userIds],
  );
  return new Set(rows.map((row) => row.id));
}

function columns(rows: Row[]): unknown[] {
  return [
    rows.map((r) => r.userId),
    rows.map((r) => r.itemId),
    rows.map((r) => r.type),
    rows.map((r) => r.value),
    // ISO strings with a zone, read as UTC below: immune to the session's TimeZone.
    rows.map((r) => r.time.toISOString()),
  ];
}

const AT_UTC = `(r.at::timestamptz AT TIME ZONE 'UTC')`;

async function insertInteractions(db: Database, rows: Row[], usersWithHistory: Set<number>): Promise<number> {
  // `NOT (check AND EXISTS ...)` rather than an anti-join: the probe runs only where asked.
  const sql = `WITH written AS (
      INSERT INTO "Interaction" ("userId", "itemId", "type", "value", "createdAt")
      SELECT r.user_id, r.item_id, r.type::"InteractionType", r.value, ${AT_UTC}
      FROM unnest($1::int[], $2::int[], $3::text[], $4::float8[], $5::text[], $6::bool[])
        AS r(user_id, item_id, type, value, at, check_existing)
      WHERE NOT (r.check_existing AND EXISTS (
        SELECT 1 FROM "Interaction" x
        WHERE x."itemId" = r.item_id AND x."type" = r.type::"InteractionType" AND x."userId" = r.user_id))
      RETURNING 1)
    SELECT count(*)::int AS n FROM written`;
  const [row] = await db.query<{ n: number }>(sql, [...columns(rows), rows.map((r) => usersWithHistory.has(r.userId))]);
  return row.n;
}

async function updateInteractions(db: Database, rows: Row[], watermark: string): Promise<void> {
  await db.query(
    `UPDATE "Interaction" x SET "value" = r.value, "createdAt" = ${AT_UTC}
     FROM unnest($1::int[], $2::int[], $3::text[], $4::float8[], $5::text[]) AS r(user_id, item_id, type, value, at)
     WHERE x."itemId" = r.item_id AND x."type" = r.type::"InteractionType" AND x."userId" = r.user_id
       AND x.id > $6::bigint`,
    [...columns(rows), watermark],
  );
}
