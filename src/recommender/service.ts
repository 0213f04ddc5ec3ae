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
import { unpackArtifact, type Artifact, type ModelKind } from './artifact';
import { freshItems, weave } from './fresh';
import { coEngagedItems, friendsOfFriends, newestItems, trendingItems, type ScoredId, type TrendingWindow } from './fallbacks';
import { deserializeFriendModel } from './friends/artifact';
import { deserialize as deserializeItemModel } from './items/artifact';
import { activeVersionSummary, activateVersion, lastRun, loadVersion, type VersionSummary } from './registry';
import { LoadedFriendModel } from './serving/friends';
import { LoadedItemModel } from './serving/items';
import { takeSnapshot } from './snapshot';
import { friendTrainingData } from './train/data';
import { loadTf } from './tf-backend';
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
}

/** What serves one model kind in this process. */
type Serving<T> =
  | { phase: 'fallback'; message: string }
  | { phase: 'ready'; version: VersionSummary; model: T; since: Date; message: string | null };

export interface RecommenderDeps {
  config: Config;
  db: Database;
  logger: Logger;
}

export interface RetrainHooks {
  retrain(kind: ModelKind, trigger: 'MANUAL'): Promise<{ run: TrainingRun } | { busy: true }>;
  nextRun(): Date | null;
}

/** How stale the friend graph may get while follows change. */
const GRAPH_REFRESH_MS = 30_000;

/** Candidates asked of the model per wanted item, so filters and visibility still leave enough. */
const OVERFETCH = 3;

export class RecommenderService {
  private items: Serving<LoadedItemModel> = { phase: 'fallback', message: 'No trained model yet: fallbacks serve' };
  private friends: Serving<LoadedFriendModel> = { phase: 'fallback', message: 'No trained model yet: fallbacks serve' };
  /** Versions whose artifacts failed to load: not retried on every poll. */
  private readonly rejected = new Map<number, string>();
  private poller: NodeJS.Timeout | null = null;
  private syncing: Promise<void> | null = null;
  private hooks: RetrainHooks | null = null;
  /** Newest item id, refreshed with every sync: items above a model's range are woven in by content. */
  private latestItemId = 0;
  private friendGraphBoundAt = 0;
  private friendGraphMark = '';

  constructor(private readonly deps: RecommenderDeps) {}

  /** Loads the active versions and keeps following promotions made by any process. */
  async start(hooks: RetrainHooks): Promise<void> {
    this.hooks = hooks;
    await this.sync();
    this.poller = setInterval(() => void this.sync(), this.deps.config.modelPollMs);
    this.poller.unref();
  }

  stop(): void {
    if (this.poller) clearInterval(this.poller);
    this.poller = null;
  }

  hasModel(kind: ModelKind): boolean {
    return (kind === 'ITEMS' ? this.items : this.friends).phase === 'ready';
  }

  /** Brings both kinds up to the ACTIVE version in the database. Never throws. */
  sync(): Promise<void> {
    this.syncing ??= Promise.all([this.syncKind('ITEMS'), this.syncKind('FRIENDS'), this.syncLatestItem()])
      .then(() => undefined)
      .finally(() => (this.syncing = null));
    return this.syncing;
  }

  private async syncLatestItem(): Promise<void> {
    try {
      const latest = await this.deps.db.prisma.item.findFirst({ orderBy: { id: 'desc' }, select: { id: true } });
      this.latestItemId = latest?.id ?? 0;
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'could not read the newest item id');
    }
  }

  private async syncKind(kind: ModelKind): Promise<void> {
    const prisma = this.deps.db.prisma;
    const serving = kind === 'ITEMS' ? this.items : this.friends;
    try {
      const active = await activeVersionSummary(prisma, kind);
      if (!active) {
        if (serving.phase === 'ready') this.swap(kind, { phase: 'fallback', message: 'No active version: fallbacks serve' });
        return;
      }
      if (serving.phase === 'ready' && serving.version.id === active.id) {
        if (kind === 'FRIENDS') await this.rebindFriendGraph();
        return;
      }
      if (this.rejected.has(active.id)) return;
      const row = await loadVersion(prisma, active.id);
      if (!row) return;
      const artifact = unpackArtifact(new Uint8Array(row.artifact), row.checksum);
      const model = kind === 'ITEMS' ? this.loadItems(artifact) : await this.loadFriends(artifact);
      this.swap(kind, { phase: 'ready', version: active, model, since: new Date(), message: null } as Serving<never>);
      this.deps.logger.info({ kind, versionId: active.id }, 'serving model version');
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const summary = await activeVersionSummary(prisma, kind).catch(() => null);
      if (summary) this.rejected.set(summary.id, message);
      const note = `Version ${summary?.id ?? '?'} could not be loaded (${message}); ${serving.phase === 'ready' ? `version ${serving.version.id} keeps serving` : 'fallbacks serve'}`;
      this.deps.logger.error({ kind, err: error }, note);
      if (serving.phase === 'ready') serving.message = note;
      else this.swap(kind, { phase: 'fallback', message: note });
    }
  }

  private loadItems(artifact: Artifact): LoadedItemModel {
    return new LoadedItemModel(deserializeItemModel(artifact.model), artifact.userIds, artifact.itemIds);
  }

  /**
   * Follows made after the friend model was bound are not in its graph: rebind the same
   * ranker to the current graph when follows changed, at most every GRAPH_REFRESH_MS.
   */
  private async rebindFriendGraph(): Promise<void> {
    const serving = this.friends;
    if (serving.phase !== 'ready' || Date.now() - this.friendGraphBoundAt < GRAPH_REFRESH_MS) return;
    const mark = await this.followMark();
    if (mark === this.friendGraphMark) return;
    const snapshot = await takeSnapshot(this.deps.db);
    const model = new LoadedFriendModel(serving.model.model, friendTrainingData(snapshot), snapshot.userIds);
    if (this.friends === serving) this.friends = { ...serving, model };
    this.friendGraphMark = mark;
    this.friendGraphBoundAt = Date.now();
  }

  private async followMark(): Promise<string> {
    const [row] = await this.deps.db.query<{ n: string; latest: Date | null }>(
      `SELECT count(*)::text AS n, max("createdAt") AS latest FROM "Follow"`,
    );
    return `${row.n}:${row.latest ? new Date(row.latest).toISOString() : ''}`;
  }

  /** Friend features come from the graph, so the ranker is bound to the current graph, not the trained one. */
  private async loadFriends(artifact: Artifact): Promise<LoadedFriendModel> {
    const model = deserializeFriendModel(artifact.model);
    this.friendGraphBoundAt = Date.now();
    this.friendGraphMark = await this.followMark();
    const snapshot = await takeSnapshot(this.deps.db);
    return new LoadedFriendModel(model, friendTrainingData(snapshot), snapshot.userIds);
  }

  /** Replaces what serves a kind; the old model is dropped whole (its arrays are garbage once unreferenced). */
  private swap(kind: ModelKind, next: Serving<LoadedItemModel> | Serving<LoadedFriendModel>): void {
    if (kind === 'ITEMS') this.items = next as Serving<LoadedItemModel>;
    else this.friends = next as Serving<LoadedFriendModel>;
  }

  async recommendItems(request: ItemRequest): Promise<{ source: Source; recommendationId: string; items: RecommendedItem[] }> {
    const recommendationId = randomUUID();
    const serving = this.items;
    if (serving.phase === 'ready') {
      try {
        return { source: 'MODEL', recommendationId, items: await this.modelItems(serving.model, request) };
      } catch (error) {
        this.deps.logger.error({ err: error, userId: request.userId }, 'item model failed; serving fallback');
      }
    }
    return { source: 'FALLBACK', recommendationId, items: await this.fallbackItems(request) };
  }

  private async modelItems(model: LoadedItemModel, request: ItemRequest): Promise<RecommendedItem[]> {
    const prisma = this.deps.db.prisma;
    const state = await loadUserState(prisma, request.userId);
    const filtered = Boolean(request.category || request.tags?.length);
    const ranked = model.recommend(state, request.limit * OVERFETCH * (filtered ? 4 : 1) + 20);
    // One query applies what the model cannot know: moderation, blocks, filters, deletions.
    const allowed = await this.allowedItems(
      ranked.map((r) => r.itemId),
      state.blocked,
      request,
    );
    const kept = ranked.filter((r) => allowed.has(r.itemId));
    if (this.latestItemId <= model.maxItemId) return kept.slice(0, request.limit);
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
    const rows = await this.deps.db.prisma.item.findMany({
      where: {
        id: { in: ids },
        hidden: false,
        OR: [{ authorId: null }, { authorId: { notIn: [...blocked] } }],
        ...(request.category ? { category: request.category } : {}),
        ...(request.tags?.length ? { tags: { hasEvery: request.tags } } : {}),
      },
      select: { id: true },
    });
    return new Set(rows.map((row) => row.id));
  }

  async suggestFriends(userId: number, limit: number): Promise<{ source: Source; suggestions: FriendSuggestion[] }> {
    const prisma = this.deps.db.prisma;
    const [blocked, following] = await Promise.all([blockedWith(prisma, userId), this.followingOf(userId)]);
    const exclude = new Set([...blocked, ...following]);
    const serving = this.friends;
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
    return { source, suggestions: suggestions.filter((s) => !gone.has(s.userId) && !exclude.has(s.userId)).slice(0, limit) };
  }

  async similarItems(itemId: number, limit: number): Promise<ScoredId[]> {
    const serving = this.items;
    if (serving.phase === 'ready' && serving.model.knowsItem(itemId)) return serving.model.similarItems(itemId, limit);
    return coEngagedItems(this.deps.db.prisma, itemId, limit);
  }

  async similarUsers(userId: number, limit: number): Promise<ScoredId[]> {
    const prisma = this.deps.db.prisma;
    const serving = this.items;
    const state = await loadUserState(prisma, userId);
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

  trending(window: TrendingWindow, category: string | null, limit: number, excludeAuthors: Set<number>) {
    return trendingItems(this.deps.db.prisma, { window, category, limit, excludeAuthors });
  }

  async status() {
    const prisma = this.deps.db.prisma;
    const { backend } = await loadTf();
    const models = await Promise.all(
      (['ITEMS', 'FRIENDS'] as const).map(async (kind) => {
        const serving = kind === 'ITEMS' ? this.items : this.friends;
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
    if (this.rejected.has(versionId)) return { error: `This version's artifact is unusable: ${this.rejected.get(versionId)}`, code: 'INVALID' };
    const version = await activateVersion(prisma, versionId);
    await this.sync();
    return { version };
  }

  private async fallbackItems(request: ItemRequest): Promise<RecommendedItem[]> {
    const prisma = this.deps.db.prisma;
    const state = await loadUserState(prisma, request.userId);
    const seen = new Set(request.excludeSeen ? [...state.history.map((h) => h.itemId), ...state.hiddenItemIds] : state.hiddenItemIds);
    const want = request.limit + seen.size + 20;
    let ranked = await trendingItems(prisma, { window: 'ALL', category: request.category, limit: want, excludeAuthors: state.blocked });
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
