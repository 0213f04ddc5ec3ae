/**
 * The recommender as the resolvers see it. Serves from the active trained models when they
 * are loaded and from SQL fallbacks otherwise; never fails a request because a model is
 * missing or broken: it falls back and says so (`source`).
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../config';
import type { Database } from '../db/client';
import type { Logger } from '../logger';
import { coEngagedItems, friendsOfFriends, newestItems, trendingItems, type ScoredId, type TrendingWindow } from './fallbacks';

export type Source = 'MODEL' | 'FALLBACK';
export type ReasonKind =
  | 'FRIENDS_ENGAGED'
  | 'SIMILAR_TO_ITEM'
  | 'POPULAR_WITH_SIMILAR_USERS'
  | 'FROM_FOLLOWED_AUTHOR'
  | 'MATCHES_INTERESTS'
  | 'TRENDING'
  | 'NEW_ITEM'
  | 'POPULAR';

export interface ItemReason {
  kind: ReasonKind;
  userIds: number[];
  itemId: number | null;
  weight: number;
}

export interface RecommendedItem {
  itemId: number;
  score: number;
  reasons: ItemReason[];
}

export type FriendReasonKind = 'MUTUAL_FRIENDS' | 'SHARED_INTERESTS' | 'FOLLOWED_BY_YOUR_FRIENDS' | 'FOLLOWS_YOU' | 'POPULAR';

export interface FriendSuggestion {
  userId: number;
  score: number;
  mutualFriendIds: number[];
  mutualFriendCount: number;
  reasons: { kind: FriendReasonKind; weight: number }[];
}

export interface ItemRequest {
  userId: number;
  /** How many to return, counted from the top (pagination slices afterwards). */
  limit: number;
  category?: string | null;
  tags?: string[] | null;
  excludeSeen: boolean;
}

export interface RecommenderDeps {
  config: Config;
  db: Database;
  logger: Logger;
}

export class RecommenderService {
  constructor(private readonly deps: RecommenderDeps) {}

  async recommendItems(request: ItemRequest): Promise<{ source: Source; recommendationId: string; items: RecommendedItem[] }> {
    return { source: 'FALLBACK', recommendationId: randomUUID(), items: await this.fallbackItems(request) };
  }

  async suggestFriends(userId: number, limit: number): Promise<{ source: Source; suggestions: FriendSuggestion[] }> {
    const blocked = await this.blockedWith(userId);
    const rows = await friendsOfFriends(this.deps.db.prisma, userId, limit + blocked.size + 50);
    const following = await this.followingOf(userId);
    const ids = rows.filter((row) => !blocked.has(row.id) && !following.has(row.id)).slice(0, limit);
    const suggestions = await Promise.all(
      ids.map(async (row) => {
        const mutual = await this.mutualFriends(userId, row.id);
        return {
          userId: row.id,
          score: row.score,
          mutualFriendIds: mutual,
          mutualFriendCount: mutual.length,
          reasons: [{ kind: 'FOLLOWED_BY_YOUR_FRIENDS' as const, weight: 1 }],
        };
      }),
    );
    return { source: 'FALLBACK', suggestions: await this.withoutErased(suggestions) };
  }

  async similarItems(itemId: number, limit: number): Promise<ScoredId[]> {
    return coEngagedItems(this.deps.db.prisma, itemId, limit);
  }

  async similarUsers(userId: number, limit: number): Promise<ScoredId[]> {
    const rows = await this.deps.db.prisma.$queryRawUnsafe<{ id: number; score: number }[]>(
      `SELECT b."userId" AS id, count(DISTINCT b."itemId")::float8 AS score
       FROM "Interaction" a JOIN "Interaction" b ON b."itemId" = a."itemId" AND b."userId" <> a."userId"
       WHERE a."userId" = $1 AND a.type <> 'HIDE' AND b.type <> 'HIDE'
       GROUP BY 1 ORDER BY score DESC, id LIMIT $2`,
      userId,
      limit,
    );
    return rows.map((row) => ({ id: Number(row.id), score: Number(row.score) }));
  }

  trending(window: TrendingWindow, category: string | null, limit: number, excludeAuthors: Set<number>) {
    return trendingItems(this.deps.db.prisma, { window, category, limit, excludeAuthors });
  }

  /** Called after an interaction is stored, so the next request sees the user's new history. */
  noteInteraction(_userId: number): void {}

  // Model lifecycle: replaced by the trained-model implementation (issue 3).
  async status() {
    return {
      backend: 'none',
      models: (['ITEMS', 'FRIENDS'] as const).map((kind) => ({
        kind,
        state: 'IDLE' as const,
        source: 'FALLBACK' as const,
        activeVersion: null,
        servingSince: null,
        lastRun: null,
        nextScheduledRun: null,
        message: 'No trained model: fallbacks serve',
      })),
    };
  }

  async retrain(_kind: 'ITEMS' | 'FRIENDS', _trigger: string): Promise<{ run: never } | { busy: true }> {
    return { busy: true };
  }

  async activate(_versionId: number): Promise<{ version: unknown } | { error: string; code: 'NOT_FOUND' }> {
    return { error: 'No such model version', code: 'NOT_FOUND' };
  }

  private async fallbackItems(request: ItemRequest): Promise<RecommendedItem[]> {
    const prisma = this.deps.db.prisma;
    const blocked = await this.blockedWith(request.userId);
    const seen = request.excludeSeen ? await this.seenItems(request.userId) : await this.hiddenItems(request.userId);
    const want = request.limit + seen.size + 20;
    let ranked = await trendingItems(prisma, { window: 'ALL', category: request.category, limit: want, excludeAuthors: blocked });
    let kind: ReasonKind = 'TRENDING';
    if (ranked.length === 0) {
      ranked = await newestItems(prisma, want, blocked);
      kind = 'NEW_ITEM';
    }
    const candidates = ranked.filter((row) => !seen.has(row.id));
    const filtered = request.tags?.length ? await this.withTags(candidates, request.tags) : candidates;
    return filtered.slice(0, request.limit).map((row) => ({
      itemId: row.id,
      score: row.score,
      reasons: [{ kind, userIds: [], itemId: null, weight: 1 }],
    }));
  }

  private async withTags(rows: ScoredId[], tags: string[]): Promise<ScoredId[]> {
    const items = await this.deps.db.prisma.item.findMany({
      where: { id: { in: rows.map((row) => row.id) }, tags: { hasEvery: tags } },
      select: { id: true },
    });
    const keep = new Set(items.map((item) => item.id));
    return rows.filter((row) => keep.has(row.id));
  }

  private async blockedWith(userId: number): Promise<Set<number>> {
    const rows = await this.deps.db.prisma.block.findMany({ where: { OR: [{ blockerId: userId }, { blockedId: userId }] } });
    return new Set(rows.map((row) => (row.blockerId === userId ? row.blockedId : row.blockerId)));
  }

  private async followingOf(userId: number): Promise<Set<number>> {
    const rows = await this.deps.db.prisma.follow.findMany({ where: { followerId: userId }, select: { followeeId: true } });
    return new Set([userId, ...rows.map((row) => row.followeeId)]);
  }

  private async seenItems(userId: number): Promise<Set<number>> {
    const rows = await this.deps.db.prisma.interaction.findMany({ where: { userId }, select: { itemId: true }, distinct: ['itemId'] });
    return new Set(rows.map((row) => row.itemId));
  }

  private async hiddenItems(userId: number): Promise<Set<number>> {
    const rows = await this.deps.db.prisma.interaction.findMany({ where: { userId, type: 'HIDE' }, select: { itemId: true } });
    return new Set(rows.map((row) => row.itemId));
  }

  private async mutualFriends(a: number, b: number): Promise<number[]> {
    const rows = await this.deps.db.prisma.$queryRawUnsafe<{ id: number }[]>(
      `SELECT f1."followeeId" AS id FROM "Follow" f1
       JOIN "Follow" f2 ON f2."followerId" = f1."followeeId" AND f2."followeeId" = $1
       JOIN "Follow" g1 ON g1."followerId" = $2 AND g1."followeeId" = f1."followeeId"
       JOIN "Follow" g2 ON g2."followerId" = f1."followeeId" AND g2."followeeId" = $2
       WHERE f1."followerId" = $1 ORDER BY 1`,
      a,
      b,
    );
    return rows.map((row) => Number(row.id));
  }

  private async withoutErased<T extends { userId: number }>(rows: T[]): Promise<T[]> {
    const erased = await this.deps.db.prisma.user.findMany({
      where: { id: { in: rows.map((row) => row.userId) }, erasedAt: { not: null } },
      select: { id: true },
    });
    const drop = new Set(erased.map((user) => user.id));
    return rows.filter((row) => !drop.has(row.userId));
  }
}
