/**
 * Per-request DataLoaders for every relation and count the API resolves, so a page of N
 * parents costs a constant number of queries. Made fresh for each request
 * (`createLoaders`), so nothing is cached across viewers. Values align with keys by index;
 * a missing row is an Error for that key, never a thrown batch.
 */
import DataLoader from 'dataloader';
import type { Interaction, Item, PrismaClient, User } from '../generated/prisma/client';
import { notFound } from '../errors';
import type { SqlSession } from './client';

type Viewer = { userId: number } | null;

/** Rows and block sets shared across requests (the recommender's caches); each may decline by returning null. */
export interface SharedRows {
  users: { getMany(ids: readonly number[]): Promise<(User | undefined)[]> };
  items: { getMany(ids: readonly number[]): Promise<(Item | undefined)[]> };
  blockedWith(userId: number): Promise<Set<number>> | null;
}

function fromShared<T>(ids: readonly number[], rows: (T | undefined)[], what: string): (T | Error)[] {
  return ids.map((_, i) => rows[i] ?? notFound(what));
}

function byKey<K, V>(keys: readonly K[], rows: V[], keyOf: (row: V) => K, what: string): (V | Error)[] {
  const map = new Map(rows.map((row) => [keyOf(row), row]));
  return keys.map((key) => map.get(key) ?? notFound(what));
}

function countsByKey(keys: readonly number[], rows: { key: number; count: bigint | number | string }[]): number[] {
  const map = new Map(rows.map((row) => [Number(row.key), Number(row.count)]));
  return keys.map((key) => map.get(key) ?? 0);
}

/** Loads `first` rows per parent in one query with a window function (the first page of a nested list). */
function firstPageLoader<T>(
  prisma: PrismaClient,
  sql: (limit: number) => string,
  parentOf: (row: T) => number,
) {
  return new DataLoader<string, T[]>(async (keys) => {
    const limit = Math.max(...keys.map((key) => Number(key.split(':')[1])));
    const parents = [...new Set(keys.map((key) => Number(key.split(':')[0])))];
    const rows = await prisma.$queryRawUnsafe<T[]>(sql(limit + 1), parents);
    return keys.map((key) => {
      const [parent, wanted] = key.split(':').map(Number);
      return rows.filter((row) => parentOf(row) === parent).slice(0, wanted + 1);
    });
  });
}

export function createLoaders(db: SqlSession & { prisma: PrismaClient }, viewer: Viewer, shared?: SharedRows) {
  const { prisma } = db;
  const viewerId = viewer?.userId ?? 0;

  // Users in a block relation with the viewer, either direction: they vanish from each other's views.
  let blockedSet: Promise<Set<number>> | null = null;
  const blockedWithViewer = (): Promise<Set<number>> => {
    if (!viewer) return Promise.resolve(new Set());
    blockedSet ??= shared?.blockedWith(viewerId) ?? prisma.block
      .findMany({ where: { OR: [{ blockerId: viewerId }, { blockedId: viewerId }] } })
      .then((rows) => new Set(rows.map((row) => (row.blockerId === viewerId ? row.blockedId : row.blockerId))));
    return blockedSet;
  };

  // Counts go straight to the driver: through Prisma's raw query a count costs about three times the CPU.
  const countQuery = (sql: string) =>
    new DataLoader<number, number>(async (keys) => countsByKey(keys, await db.query<{ key: number; count: string }>(sql, [[...keys]])));

  return {
    blockedWithViewer,
    user: new DataLoader<number, User>(async (ids) =>
      shared
        ? fromShared(ids, await shared.users.getMany(ids), 'User')
        : byKey(ids, await prisma.user.findMany({ where: { id: { in: [...ids] } } }), (row) => row.id, 'User'),
    ),
    item: new DataLoader<number, Item>(async (ids) =>
      shared
        ? fromShared(ids, await shared.items.getMany(ids), 'Item')
        : byKey(ids, await prisma.item.findMany({ where: { id: { in: [...ids] } } }), (row) => row.id, 'Item'),
    ),
    followerCount: countQuery(
      `SELECT "followeeId" AS key, count(*) AS count FROM "Follow" WHERE "followeeId" = ANY($1::int[]) GROUP BY 1`,
    ),
    followingCount: countQuery(
      `SELECT "followerId" AS key, count(*) AS count FROM "Follow" WHERE "followerId" = ANY($1::int[]) GROUP BY 1`,
    ),
    friendCount: countQuery(
      `SELECT f."followerId" AS key, count(*) AS count FROM "Follow" f
       JOIN "Follow" g ON g."followerId" = f."followeeId" AND g."followeeId" = f."followerId"
       WHERE f."followerId" = ANY($1::int[]) GROUP BY 1`,
    ),
    authoredItemCount: countQuery(
      `SELECT "authorId" AS key, count(*) AS count FROM "Item" WHERE "authorId" = ANY($1::int[]) GROUP BY 1`,
    ),
    interactionCount: countQuery(
      `SELECT "userId" AS key, count(*) AS count FROM "Interaction" WHERE "userId" = ANY($1::int[]) GROUP BY 1`,
    ),
    itemCountsByType: new DataLoader<number, { type: string; count: number }[]>(async (ids) => {
      const rows = await db.query<{ key: number; type: string; count: string }>(
        `SELECT "itemId" AS key, type::text AS type, count(*) AS count FROM "Interaction"
         WHERE "itemId" = ANY($1::int[]) GROUP BY 1, 2 ORDER BY 1, 2`,
        [[...ids]],
      );
      return ids.map((id) =>
        rows.filter((row) => Number(row.key) === id).map((row) => ({ type: row.type, count: Number(row.count) })),
      );
    }),
    /** Does the viewer follow each key? */
    viewerFollows: new DataLoader<number, boolean>(async (ids) => {
      if (!viewer) return ids.map(() => false);
      const rows = await prisma.follow.findMany({ where: { followerId: viewerId, followeeId: { in: [...ids] } } });
      const set = new Set(rows.map((row) => row.followeeId));
      return ids.map((id) => set.has(id));
    }),
    /** Does each key follow the viewer? */
    followsViewer: new DataLoader<number, boolean>(async (ids) => {
      if (!viewer) return ids.map(() => false);
      const rows = await prisma.follow.findMany({ where: { followeeId: viewerId, followerId: { in: [...ids] } } });
      const set = new Set(rows.map((row) => row.followerId));
      return ids.map((id) => set.has(id));
    }),
    viewerBlocks: new DataLoader<number, boolean>(async (ids) => {
      if (!viewer) return ids.map(() => false);
      const rows = await prisma.block.findMany({ where: { blockerId: viewerId, blockedId: { in: [...ids] } } });
      const set = new Set(rows.map((row) => row.blockedId));
      return ids.map((id) => set.has(id));
    }),
    /** First page of each author's items, newest first; keys are "authorId:first". */
    authoredItemsFirstPage: firstPageLoader<Item>(
      prisma,
      (limit) => `SELECT * FROM (
         SELECT i.*, row_number() OVER (PARTITION BY "authorId" ORDER BY id DESC) AS rn
         FROM "Item" i WHERE "authorId" = ANY($1::int[])) ranked
       WHERE rn <= ${limit} ORDER BY "authorId", id DESC`,
      (row) => row.authorId ?? 0,
    ),
    /** First page of the viewer's interactions with each item; keys are "itemId:first". */
    viewerInteractionsFirstPage: firstPageLoader<Interaction>(
      prisma,
      (limit) => `SELECT * FROM (
         SELECT x.*, row_number() OVER (PARTITION BY "itemId" ORDER BY "createdAt" DESC, id DESC) AS rn
         FROM "Interaction" x WHERE "userId" = ${viewerId} AND "itemId" = ANY($1::int[])) ranked
       WHERE rn <= ${limit} ORDER BY "itemId", "createdAt" DESC, id DESC`,
      (row) => row.itemId,
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
