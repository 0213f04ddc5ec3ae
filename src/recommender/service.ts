/**
 * The recommender as the resolvers see it. Serves from the active trained versions when they
 * are loaded and from SQL fallbacks otherwise; a missing or broken model never fails a
 * request: it falls back and says so (`source`, and the log).
 *
 * Every process polls for the ACTIVE version of each kind and swaps a newly promoted one in
 * whole: requests in flight keep the instance they started with, later ones get the new one.
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../config';
import type { Database } from '../db/client';
import type { TrainingRun } from '../generated/prisma/client';
import type { Logger } from '../logger';
import type { ModelKind } from './artifact';
import { freshItems, weave } from './fresh';
import { LRUCache } from 'lru-cache';
import { coEngagedItems, friendsOfFriends, newestItems, trendingItems, type ScoredId, type TrendingItem, type TrendingWindow } from './fallbacks';
import { activeVersionSummary, activateVersion, lastRun, type VersionSummary } from './registry';
import { ActiveModels } from './serving/active-models';
import type { LoadedItemModel } from './serving/items';
import { loadTf } from './tf-backend';
import { servingFor, type ArmChoice } from '../online/online';
import { blockedWith, loadUserState } from './user-state';

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
  /** The experiment arm the user is in (src/online): serves that arm's version. */
  arm?: ArmChoice | null;
}

export interface RecommenderDeps {
  config: Config;
  db: Database;
  logger: Logger;
}

export interface RetrainHooks {
  retrain(kind: ModelKind, trigger: 'MANUAL'): Promise<{ run: TrainingRun } | { busy: true }>;
  nextRun(): Date | null;
}

/** Candidates asked of the model per wanted item, so filters and visibility still leave enough. */
const OVERFETCH = 3;

export class RecommenderService {
  private readonly models: ActiveModels;
  private readonly trendingCache: LRUCache<string, Promise<TrendingItem[]>> | null;
  private readonly userLists: LRUCache<number, Map<string, { source: Source; items: RecommendedItem[]; limit: number }>> | null;
  private hooks: RetrainHooks | null = null;

  constructor(private readonly deps: RecommenderDeps) {
    this.models = new ActiveModels(deps.db, deps.logger);
    const ttl = deps.config.trendingCacheMs;
    this.trendingCache = ttl > 0 ? new LRUCache({ max: 200, ttl }) : null;
    const listTtl = deps.config.recommendationCacheMs;
    this.userLists = listTtl > 0 ? new LRUCache({ max: 20_000, ttl: listTtl }) : null;
  }

  /** Loads the active versions and keeps following promotions made by any process. */
  async start(hooks: RetrainHooks): Promise<void> {
    this.hooks = hooks;
    await this.models.start(this.deps.config.modelPollMs);
  }

  stop(): Promise<void> {
    return this.models.stop();
  }

  hasModel(kind: ModelKind): boolean {
    return this.models.serving(kind).phase === 'ready';
  }

  /** Serve the ACTIVE versions now (after a promotion) instead of at the next poll. */
  sync(): Promise<void> {
    return this.models.sync();
  }

  async recommendItems(request: ItemRequest): Promise<{ source: Source; recommendationId: string; versionId: number | null; items: RecommendedItem[] }> {
    const recommendationId = randomUUID();
    const serving = servingFor(this.models.items, request.arm);
    // Lists are cached per user for a few seconds (dropped at once when this process records
    // the user's behaviour), keyed by the serving version and the filter.
    const version = serving.phase === 'ready' ? serving.version.id : 0;
    const key = `${version}|${request.category ?? ''}|${(request.tags ?? []).join(',')}|${request.excludeSeen}`;
    const cached = this.userLists?.get(request.userId)?.get(key);
    if (cached && cached.limit >= request.limit) {
      return { source: cached.source, recommendationId, versionId: cached.source === 'MODEL' ? version : null, items: cached.items.slice(0, request.limit) };
    }
    // Round up so the next page of the same list is served from the same entry.
    const limit = Math.ceil(request.limit / 50) * 50;
    let result: { source: Source; items: RecommendedItem[] } | null = null;
    if (serving.phase === 'ready') {
      try {
        result = { source: 'MODEL', items: await this.modelItems(serving.model, { ...request, limit }) };
      } catch (error) {
        this.deps.logger.error({ err: error, userId: request.userId }, 'item model failed; serving fallback');
      }
    }
    result ??= { source: 'FALLBACK', items: await this.fallbackItems({ ...request, limit }) };
    if (this.userLists) {
      const lists = this.userLists.get(request.userId) ?? new Map();
      lists.set(key, { ...result, limit });
      this.userLists.set(request.userId, lists);
    }
    return { source: result.source, recommendationId, versionId: result.source === 'MODEL' ? version : null, items: result.items.slice(0, request.limit) };
  }

  /** The user's behaviour or relations changed: their next list is computed afresh. */
  forgetUser(...userIds: number[]): void {
    for (const userId of userIds) this.userLists?.delete(userId);
  }

  private async modelItems(model: LoadedItemModel, request: ItemRequest): Promise<RecommendedItem[]> {
    const prisma = this.deps.db.prisma;
    const state = await loadUserState(this.deps.db, request.userId);
    const filtered = Boolean(request.category || request.tags?.length);
    const ranked = model.rank(state, request.limit * OVERFETCH * (filtered ? 4 : 1) + 20, request.limit + 10);
    // One query applies what the model cannot know: moderation, blocks, filters, deletions.
    const allowed = await this.allowedItems(
      ranked.map((r) => r.itemId),
      state.blocked,
      request,
    );
    const kept = model.explain(state, ranked.filter((r) => allowed.has(r.itemId)).slice(0, request.limit));
    if (this.models.latestItemId <= model.maxItemId) return kept;
    const fresh = await freshItems(prisma, {
      newerThanId: model.maxItemId,
      historyItemIds: state.history.map((h) => h.itemId),
      followeeIds: state.followeeIds,
      blocked: state.blocked,
      request,
      exclude: new Set([...state.history.map((h) => h.itemId), ...state.hiddenItemIds]),
    });
    return weave(kept, fresh, request.limit);
  }

  private async allowedItems(ids: number[], blocked: Set<number>, request: ItemRequest): Promise<Set<number>> {
    const params: unknown[] = [ids, [...blocked]];
    let where = `id = ANY($1::int[]) AND NOT hidden AND ("authorId" IS NULL OR NOT ("authorId" = ANY($2::int[])))`;
    if (request.category) {
      params.push(request.category);
      where += ` AND category = $${params.length}`;
    }
    if (request.tags?.length) {
      params.push(request.tags);
      where += ` AND tags @> $${params.length}::text[]`;
    }
    const rows = await this.deps.db.query<{ id: number }>(`SELECT id FROM "Item" WHERE ${where}`, params);
    return new Set(rows.map((row) => Number(row.id)));
  }


  async suggestFriends(userId: number, limit: number): Promise<{ source: Source; versionId: number | null; suggestions: FriendSuggestion[] }> {
    const prisma = this.deps.db.prisma;
    const [blocked, following] = await Promise.all([blockedWith(this.deps.db, userId), this.followingOf(userId)]);
    const exclude = new Set([...blocked, ...following]);
    const serving = this.models.friends;
    let source: Source = 'FALLBACK';
    let suggestions: FriendSuggestion[] = [];
    if (serving.phase === 'ready' && serving.model.knowsUser(userId)) {
      try {
        suggestions = serving.model.suggest(userId, limit + 20, exclude);
        source = 'MODEL';
      } catch (error) {
        this.deps.logger.error({ err: error, userId }, 'friend model failed; serving fallback');
      }
    }
    if (source === 'FALLBACK') suggestions = await this.fallbackFriends(userId, limit + 20, exclude);
    const erased = await prisma.user.findMany({
      where: { id: { in: suggestions.map((s) => s.userId) }, erasedAt: { not: null } },
      select: { id: true },
    });
    const gone = new Set(erased.map((user) => user.id));
    const versionId = source === 'MODEL' && serving.phase === 'ready' ? serving.version.id : null;
    return { source, versionId, suggestions: suggestions.filter((s) => !gone.has(s.userId) && !exclude.has(s.userId)).slice(0, limit) };
  }

  async similarItems(itemId: number, limit: number): Promise<ScoredId[]> {
    const serving = this.models.items;
    const fromModel = serving.phase === 'ready' ? serving.model.similarItems(itemId, limit) : [];
    // Items the model knows too little about have no neighbours: co-engagement still may.
    return fromModel.length ? fromModel : coEngagedItems(this.deps.db.prisma, itemId, limit);
  }

  async similarUsers(userId: number, limit: number): Promise<ScoredId[]> {
    const prisma = this.deps.db.prisma;
    const serving = this.models.items;
    const state = await loadUserState(this.deps.db, userId);
    if (serving.phase === 'ready') {
      return serving.model.similarUsers(state, limit + state.blocked.size).filter((row) => !state.blocked.has(row.id)).slice(0, limit);
    }
    const rows = await prisma.$queryRawUnsafe<{ id: number; score: number }[]>(
      `SELECT b."userId" AS id, count(DISTINCT b."itemId")::float8 AS score
       FROM "Interaction" a JOIN "Interaction" b ON b."itemId" = a."itemId" AND b."userId" <> a."userId"
       WHERE a."userId" = $1 AND a.type <> 'HIDE' AND b.type <> 'HIDE'
       GROUP BY 1 ORDER BY score DESC, id LIMIT $2`,
      userId,
      limit + state.blocked.size,
    );
    return rows
      .map((row) => ({ id: Number(row.id), score: Number(row.score) }))
      .filter((row) => !state.blocked.has(row.id))
      .slice(0, limit);
  }

  /** Trending lists are the same for everyone: computed once a minute per window and category. */
  async trending(window: TrendingWindow, category: string | null, limit: number, excludeAuthors: Set<number>): Promise<ScoredId[]> {
    const key = `${window}:${category ?? ''}`;
    const cache = this.trendingCache;
    let list = cache?.get(key);
    if (!list) {
      list = trendingItems(this.deps.db.prisma, { window, category });
      cache?.set(key, list);
      list.catch(() => cache?.delete(key));
    }
    return (await list)
      .filter((row) => row.authorId === null || !excludeAuthors.has(row.authorId))
      .slice(0, limit)
      .map(({ id, score }) => ({ id, score }));
  }

  async status() {
    const prisma = this.deps.db.prisma;
    const { backend } = await loadTf();
    const models = await Promise.all(
      (['ITEMS', 'FRIENDS'] as const).map(async (kind) => {
        const serving = this.models.serving(kind);
        const [run, active] = await Promise.all([lastRun(prisma, kind), activeVersionSummary(prisma, kind)]);
        const state = run?.state === 'RUNNING' ? 'TRAINING' : run?.state === 'FAILED' ? 'FAILED' : 'IDLE';
        return {
          kind,
          state,
          source: serving.phase === 'ready' ? 'MODEL' : 'FALLBACK',
          activeVersion: active,
          servingSince: serving.phase === 'ready' ? serving.since : null,
          lastRun: run,
          nextScheduledRun: this.hooks?.nextRun() ?? null,
          message: serving.message,
        };
      }),
    );
    return { backend, models };
  }

  async retrain(kind: ModelKind, trigger: 'MANUAL') {
    if (!this.hooks) throw new Error('recommender not started');
    return this.hooks.retrain(kind, trigger);
  }

  /** Rollback or roll forward to a stored version; this process serves it at once. */
  async activate(versionId: number): Promise<{ version: VersionSummary } | { error: string; code: 'NOT_FOUND' | 'INVALID' }> {
    const prisma = this.deps.db.prisma;
    const row = await prisma.modelVersion.findUnique({ where: { id: versionId }, omit: { artifact: true } });
    if (!row) return { error: 'No such model version', code: 'NOT_FOUND' };
    if (this.models.rejected.has(versionId)) return { error: `This version's artifact is unusable: ${this.models.rejected.get(versionId)}`, code: 'INVALID' };
    const version = await activateVersion(prisma, versionId);
    await this.sync();
    return { version };
  }

  private async fallbackItems(request: ItemRequest): Promise<RecommendedItem[]> {
    const prisma = this.deps.db.prisma;
    const state = await loadUserState(this.deps.db, request.userId);
    const seen = new Set(request.excludeSeen ? [...state.history.map((h) => h.itemId), ...state.hiddenItemIds] : state.hiddenItemIds);
    const want = request.limit + seen.size + 20;
    let ranked = await this.trending('ALL', request.category ?? null, want, state.blocked);
    let kind: ReasonKind = 'TRENDING';
    if (ranked.length === 0) {
      ranked = await newestItems(prisma, want, state.blocked);
      kind = 'NEW_ITEM';
    }
    const candidates = ranked.filter((row) => !seen.has(row.id));
    const allowed = await this.allowedItems(candidates.map((row) => row.id), state.blocked, request);
    return candidates
      .filter((row) => allowed.has(row.id))
      .slice(0, request.limit)
      .map((row) => ({ itemId: row.id, score: row.score, reasons: [{ kind, userIds: [], itemId: null, weight: 1 }] }));
  }

  private async fallbackFriends(userId: number, limit: number, exclude: Set<number>): Promise<FriendSuggestion[]> {
    const rows = await friendsOfFriends(this.deps.db.prisma, userId, limit + exclude.size);
    const kept = rows.filter((row) => !exclude.has(row.id)).slice(0, limit);
    return Promise.all(
      kept.map(async (row) => {
        const mutual = await this.mutualFriends(userId, row.id);
        return {
          userId: row.id,
          score: row.score,
          mutualFriendIds: mutual,
          mutualFriendCount: mutual.length,
          reasons: [{ kind: mutual.length ? ('MUTUAL_FRIENDS' as const) : ('FOLLOWED_BY_YOUR_FRIENDS' as const), weight: 1 }],
        };
      }),
    );
  }

  private async followingOf(userId: number): Promise<Set<number>> {
    const rows = await this.deps.db.prisma.follow.findMany({ where: { followerId: userId }, select: { followeeId: true } });
    return new Set([userId, ...rows.map((row) => row.followeeId)]);
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
}
