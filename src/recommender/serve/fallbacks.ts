/**
 * What serves when no trained model does (and the TRENDING/NEW sources of the model):
 * plain SQL over recent behaviour. Scores are weighted interaction counts with exponential
 * time decay, so "trending" favours what is engaged with now.
 */
import type { PrismaClient } from '../../generated/prisma/client';
import type { ScoredId } from '../types';

export type TrendingWindow = 'DAY' | 'WEEK' | 'MONTH' | 'ALL';

const WINDOW_DAYS: Record<TrendingWindow, number | null> = { DAY: 1, WEEK: 7, MONTH: 30, ALL: null };

/** Per-type weights shared with training (HIDE is negative). */
export const DEFAULT_TYPE_WEIGHTS: Record<string, number> = {
  VIEW: 0.5,
  CLICK: 1,
  LIKE: 3,
  SHARE: 4,
  COMMENT: 3,
  RATE: 2,
  PURCHASE: 5,
  PLAY: 2,
  BOOKMARK: 3,
  HIDE: -5,
};


function weightCase(): string {
  return `CASE x.type::text ${Object.entries(DEFAULT_TYPE_WEIGHTS)
    .map(([type, weight]) => `WHEN '${type}' THEN ${weight}`)
    .join(' ')} ELSE 1 END`;
}

/** The longest trending list kept; deeper pages of trendingItems end there. */
export const TRENDING_DEPTH = 1000;

export interface TrendingItem extends ScoredId {
  authorId: number | null;
}

/**
 * Visible items ranked by decayed engagement in the window (half-life of a quarter of the
 * window, or of 30 days for ALL), best first, at most TRENDING_DEPTH. One scan of the
 * window's interactions: callers cache it.
 */
export async function trendingItems(
  prisma: PrismaClient,
  options: { window: TrendingWindow; category?: string | null },
): Promise<TrendingItem[]> {
  const days = WINDOW_DAYS[options.window];
  const halfLifeDays = days ? days / 4 : 30;
  const params: unknown[] = [TRENDING_DEPTH, halfLifeDays * 86400];
  let where = `i.hidden = false`;
  if (days) where += ` AND x."createdAt" > now() - interval '${days} days'`;
  if (options.category) {
    params.push(options.category);
    where += ` AND i.category = $${params.length}`;
  }
  // Decay is measured from the newest interaction, so imported historical data still ranks.
  const rows = await prisma.$queryRawUnsafe<{ id: number; score: number; authorId: number | null }[]>(
    `WITH latest AS (SELECT coalesce(max("createdAt"), now()) AS t FROM "Interaction")
     SELECT i.id, i."authorId", sum((${weightCase()}) * exp(-ln(2) * extract(epoch FROM (latest.t - x."createdAt")) / $2))::float8 AS score
     FROM "Interaction" x JOIN "Item" i ON i.id = x."itemId" CROSS JOIN latest
     WHERE ${where}
     GROUP BY i.id HAVING sum(${weightCase()}) > 0
     ORDER BY score DESC, i.id DESC LIMIT $1`,
    ...params,
  );
  return rows.map((row) => ({ id: Number(row.id), score: Number(row.score), authorId: row.authorId === null ? null : Number(row.authorId) }));
}

/** Newest visible items: the way brand-new content gets seen before anyone touched it. */
export async function newestItems(prisma: PrismaClient, limit: number, excludeAuthors: Set<number>): Promise<ScoredId[]> {
  const rows = await prisma.item.findMany({
    where: { hidden: false, OR: [{ authorId: null }, { authorId: { notIn: [...excludeAuthors] } }] },
    orderBy: { createdAt: 'desc' },
    take: limit,
    select: { id: true },
  });
  return rows.map((row, rank) => ({ id: row.id, score: 1 / (rank + 1) }));
}

/** Items most often engaged with by the same users, for similarItems without a model. */
export async function coEngagedItems(prisma: PrismaClient, itemId: number, limit: number): Promise<ScoredId[]> {
  // The item's latest 50 engagers are enough evidence and bound the work on popular items.
  const rows = await prisma.$queryRawUnsafe<{ id: number; score: number }[]>(
    `WITH engaged AS (
       SELECT DISTINCT "userId" FROM (SELECT "userId" FROM "Interaction" WHERE "itemId" = $1 AND type <> 'HIDE' ORDER BY id DESC LIMIT 50) recent)
     SELECT b."itemId" AS id, count(DISTINCT b."userId")::float8 AS score
     FROM engaged a JOIN "Interaction" b ON b."userId" = a."userId" AND b."itemId" <> $1
     JOIN "Item" i ON i.id = b."itemId"
     WHERE b.type <> 'HIDE' AND i.hidden = false
     GROUP BY b."itemId" ORDER BY score DESC, id DESC LIMIT $2`,
    itemId,
    limit,
  );
  return rows.map((row) => ({ id: Number(row.id), score: Number(row.score) }));
}

/** Friends of friends ranked by mutual-friend count, for friendSuggestions without a model. */
export async function friendsOfFriends(prisma: PrismaClient, userId: number, limit: number): Promise<ScoredId[]> {
  const rows = await prisma.$queryRawUnsafe<{ id: number; score: number }[]>(
    `SELECT b."followeeId" AS id, count(*)::float8 AS score
     FROM "Follow" a JOIN "Follow" b ON b."followerId" = a."followeeId"
     WHERE a."followerId" = $1 AND b."followeeId" <> $1
     GROUP BY 1 ORDER BY score DESC, id LIMIT $2`,
    userId,
    limit,
  );
  return rows.map((row) => ({ id: Number(row.id), score: Number(row.score) }));
}
