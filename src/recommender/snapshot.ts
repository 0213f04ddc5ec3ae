/**
 * Reads the behaviour the recommender learns from out of Postgres, in keyset-paged batches
 * (never one unbounded query), into dense-index typed arrays. Index i of `userIds`/`itemIds`
 * is the database id of user/item i. Repeated (user, item) interactions are folded into one
 * weight: the sum of per-type weights with exponential time decay; a HIDE anywhere makes the
 * pair negative.
 */
import pg from 'pg';
import type { SqlSession } from '../db/client';
import { DEFAULT_TYPE_WEIGHTS } from './serve/fallbacks';

export interface SnapshotOptions {
  typeWeights?: Record<string, number>;
  /** Half-life of an interaction's weight, measured back from the newest interaction. */
  decayHalfLifeDays?: number;
  batchSize?: number;
  onProgress?: (stage: string, done: number) => void;
}

export interface Snapshot {
  userIds: Int32Array;
  itemIds: Int32Array;
  /** One entry per distinct (user, item) pair. */
  pairUsers: Int32Array;
  pairItems: Int32Array;
  pairWeights: Float32Array;
  /** Latest interaction time of the pair, Unix seconds. */
  pairTimes: Float64Array;
  /** The pair's summed type weights without decay, as a user's serving state weighs it (user-state.ts). */
  pairTypeWeights: Float32Array;
  /** Directed follows as index pairs. */
  followFrom: Int32Array;
  followTo: Int32Array;
  /** 1 for a private account. */
  userPrivate: Uint8Array;
  /** Blocks as index pairs (blocker, blocked). */
  blockFrom: Int32Array;
  blockTo: Int32Array;
  itemCategory: Int32Array;
  categories: string[];
  itemTagPtr: Int32Array;
  itemTagIdx: Int32Array;
  tags: string[];
  itemCreatedAt: Float64Array;
  /** Items nobody may be recommended (hidden by moderation). */
  itemHidden: Uint8Array;
  watermark: Watermark;
}

/** What a model saw; "new behaviour since" compares these. */
export interface Watermark {
  maxInteractionId: string;
  interactions: number;
  follows: number;
  latestFollowAt: string | null;
}

export async function currentWatermark(db: SqlSession): Promise<Watermark> {
  const [row] = await db.query<{ max: string | null; n: string; f: string; fmax: Date | null }>(
    `SELECT (SELECT max(id)::text FROM "Interaction") AS max, (SELECT count(*)::text FROM "Interaction") AS n,
            (SELECT count(*)::text FROM "Follow") AS f, (SELECT max("createdAt") FROM "Follow") AS fmax`,
  );
  return {
    maxInteractionId: row.max ?? '0',
    interactions: Number(row.n),
    follows: Number(row.f),
    latestFollowAt: row.fmax ? new Date(row.fmax).toISOString() : null,
  };
}

export function sameWatermark(a: Watermark, b: Watermark): boolean {
  return (
    a.maxInteractionId === b.maxInteractionId &&
    a.interactions === b.interactions &&
    a.follows === b.follows &&
    a.latestFollowAt === b.latestFollowAt
  );
}

/**
 * A timestamp column as UTC epoch seconds, computed by Postgres. The columns hold UTC without
 * a zone (Prisma's DateTime); node-postgres would parse them as the process's local time, so
 * on a host not on UTC every time was shifted by its offset (and parsing Dates was a third of
 * the snapshot's CPU on Epinions).
 */
const EPOCH = (column: string) => `extract(epoch FROM ${column})::float8`;

async function* pages<T extends { k: number | string }>(
  db: SqlSession,
  sql: (afterParam: string) => string,
  first: number | string,
  batchSize: number,
): AsyncGenerator<T[]> {
  let after: number | string = first;
  for (;;) {
    const rows = await db.query<T>(sql('$1') + ` LIMIT ${batchSize}`, [after]);
    if (rows.length === 0) return;
    yield rows;
    after = rows[rows.length - 1].k;
    if (rows.length < batchSize) return;
  }
}

/**
 * Every row of a table keyed by two user ids, as dense user indices (rows naming a user
 * outside the snapshot are left out). Keyset on the composite primary key, so each page is
 * an index range scan.
 */
async function userPairs(
  db: SqlSession,
  table: 'Follow' | 'Block',
  [a, b]: [string, string],
  userIndex: Map<number, number>,
  batch: number,
  onPage: (count: number) => void = () => {},
): Promise<{ from: Int32Array; to: Int32Array }> {
  const from: number[] = [];
  const to: number[] = [];
  let after: [number, number] = [0, 0];
  for (;;) {
    const rows = await db.query<{ a: number; b: number }>(
      `SELECT "${a}" AS a, "${b}" AS b FROM "${table}" WHERE ("${a}", "${b}") > ($1, $2) ORDER BY "${a}", "${b}" LIMIT ${batch}`,
      after,
    );
    for (const row of rows) {
      const x = userIndex.get(row.a);
      const y = userIndex.get(row.b);
      if (x !== undefined && y !== undefined) {
        from.push(x);
        to.push(y);
      }
    }
    onPage(from.length);
    if (rows.length < batch) break;
    after = [rows[rows.length - 1].a, rows[rows.length - 1].b];
  }
  return { from: Int32Array.from(from), to: Int32Array.from(to) };
}

export async function takeSnapshot(db: SqlSession, options: SnapshotOptions = {}): Promise<Snapshot> {
  const batch = options.batchSize ?? 20000;
  const weights = { ...DEFAULT_TYPE_WEIGHTS, ...options.typeWeights };
  const halfLife = (options.decayHalfLifeDays ?? 180) * 86400;
  const progress = options.onProgress ?? (() => {});
  const watermark = await currentWatermark(db);

  const userIndex = new Map<number, number>();
  const userIds: number[] = [];
  const userPrivate: number[] = [];
  for await (const rows of pages<{ k: number; private: boolean }>(
    db,
    (p) => `SELECT id AS k, "isPrivate" AS private FROM "User" WHERE "erasedAt" IS NULL AND id > ${p} ORDER BY id`,
    0,
    batch,
  )) {
    for (const row of rows) {
      userIndex.set(row.k, userIds.length);
      userIds.push(row.k);
      userPrivate.push(row.private ? 1 : 0);
    }
    progress('users', userIds.length);
  }

  const itemIndex = new Map<number, number>();
  const itemIds: number[] = [];
  const categoryIndex = new Map<string, number>();
  const tagIndex = new Map<string, number>();
  const itemCategory: number[] = [];
  const itemTagPtr: number[] = [0];
  const itemTagIdx: number[] = [];
  const itemCreatedAt: number[] = [];
  const itemHidden: number[] = [];
  const intern = (map: Map<string, number>, key: string) => {
    let index = map.get(key);
    if (index === undefined) map.set(key, (index = map.size));
    return index;
  };
  for await (const rows of pages<{ k: number; category: string | null; tags: string[] | null; created: number; hidden: boolean }>(
    db,
    (p) => `SELECT id AS k, category, tags, ${EPOCH('"createdAt"')} AS created, hidden FROM "Item" WHERE id > ${p} ORDER BY id`,
    0,
    batch,
  )) {
    for (const row of rows) {
      itemIndex.set(row.k, itemIds.length);
      itemIds.push(row.k);
      itemCategory.push(row.category ? intern(categoryIndex, row.category) : -1);
      for (const tag of row.tags ?? []) itemTagIdx.push(intern(tagIndex, tag));
      itemTagPtr.push(itemTagIdx.length);
      itemCreatedAt.push(row.created);
      itemHidden.push(row.hidden ? 1 : 0);
    }
    progress('items', itemIds.length);
  }

  // Newest interaction time anchors the decay, so imported history keeps its shape.
  const [{ latest }] = await db.query<{ latest: number | null }>(`SELECT ${EPOCH('max("createdAt")')} AS latest FROM "Interaction"`);
  const anchor = latest ?? Date.now() / 1000;
  const pairIndex = new Map<number, number>();
  const pairUsers: number[] = [];
  const pairItems: number[] = [];
  const pairWeights: number[] = [];
  const pairTimes: number[] = [];
  const pairTypeWeights: number[] = [];
  const hides = new Set<number>();
  const numItems = itemIds.length;
  let seen = 0;
  for await (const rows of pages<{ k: string; userId: number; itemId: number; type: string; created: number }>(
    db,
    (p) =>
      `SELECT id::text AS k, "userId", "itemId", type::text AS type, ${EPOCH('"createdAt"')} AS created FROM "Interaction"
       WHERE id > ${p}::bigint AND id <= ${watermark.maxInteractionId}::bigint ORDER BY id`,
    '0',
    batch,
  )) {
    for (const row of rows) {
      const u = userIndex.get(row.userId);
      const i = itemIndex.get(row.itemId);
      if (u === undefined || i === undefined) continue;
      const key = u * numItems + i;
      const time = row.created;
      const w = (weights[row.type] ?? 1) * Math.pow(0.5, Math.max(0, anchor - time) / halfLife);
      if (row.type === 'HIDE') hides.add(key);
      let p = pairIndex.get(key);
      if (p === undefined) {
        pairIndex.set(key, (p = pairUsers.length));
        pairUsers.push(u);
        pairItems.push(i);
        pairWeights.push(0);
        pairTimes.push(time);
        pairTypeWeights.push(0);
      }
      if (row.type !== 'HIDE') {
        pairWeights[p] += w;
        pairTypeWeights[p] += weights[row.type] ?? 1;
      }
      if (time > pairTimes[p]) pairTimes[p] = time;
    }
    seen += rows.length;
    progress('interactions', seen);
  }
  for (const key of hides) pairWeights[pairIndex.get(key)!] = -1;

  const follows = await userPairs(db, 'Follow', ['followerId', 'followeeId'], userIndex, batch, (n) => progress('follows', n));
  const blocks = await userPairs(db, 'Block', ['blockerId', 'blockedId'], userIndex, batch);

  return {
    userIds: Int32Array.from(userIds),
    itemIds: Int32Array.from(itemIds),
    pairUsers: Int32Array.from(pairUsers),
    pairItems: Int32Array.from(pairItems),
    pairWeights: Float32Array.from(pairWeights),
    pairTimes: Float64Array.from(pairTimes),
    pairTypeWeights: Float32Array.from(pairTypeWeights),
    followFrom: follows.from,
    followTo: follows.to,
    userPrivate: Uint8Array.from(userPrivate),
    blockFrom: blocks.from,
    blockTo: blocks.to,
    itemCategory: Int32Array.from(itemCategory),
    categories: [...categoryIndex.keys()],
    itemTagPtr: Int32Array.from(itemTagPtr),
    itemTagIdx: Int32Array.from(itemTagIdx),
    tags: [...tagIndex.keys()],
    itemCreatedAt: Float64Array.from(itemCreatedAt),
    itemHidden: Uint8Array.from(itemHidden),
    watermark,
  };
}

/**
 * takeSnapshot over a connection of its own, for a training process or the friend-graph
 * worker: the server's pool and event loop take no part in the read.
 */
export async function takeSnapshotAt(databaseUrl: string, options: SnapshotOptions = {}): Promise<Snapshot> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const session: SqlSession = {
      exec: async (sql) => void (await client.query(sql)),
      query: async (sql, params = []) => (await client.query(sql, params)).rows,
    };
    return await takeSnapshot(session, options);
  } finally {
    await client.end();
  }
}
