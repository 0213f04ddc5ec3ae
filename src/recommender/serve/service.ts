/**
 * The recommender as the resolvers see it. Serves from the active trained versions when they
 * are loaded and from SQL fallbacks otherwise; a missing or broken model never fails a
 * request: it falls back and says so (`source`, and the log). A warm user's request is
 * answered from memory (user-states.ts, rows.ts, the lists cache here),
 * kept current by change notes (change-feed.ts); model administration is
 * ../model-admin.ts.
 *
 * Every process polls for the ACTIVE version of each kind and swaps a newly promoted one in
 * whole: requests in flight keep the instance they started with, later ones get the new one.
 */
import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Config } from '../../config';
import type { Database } from '../../db/client';
import type { SharedRows } from '../../db/loaders';
import type { Item, User } from '../../generated/prisma/client';
import type { Logger } from '../../logger';
import type { ModelKind } from '../artifact';
import { coEngagedItems, friendsOfFriends, newestItems, trendingItems, type TrendingItem, type TrendingWindow } from './fallbacks';
import { freshItems, weave } from './fresh';
import { SOURCE_NAMES, type SourceName } from '../items/features';
import { ModelAdmin, type RetrainHooks } from '../model-admin';
import { ActiveModels, type Serving } from './active-models';
import { ChangeFeed, type ChangeNote } from './change-feed';
import type { LoadedFriendModel, StoredEntry } from './friends';
import { LIST_PAGE, listDepth, type LoadedItemModel } from './items';
import { RowCache } from './rows';
import { UserStates } from './user-states';
import type { FriendSuggestion, ItemReason, ItemRequest, ReasonKind, ScoredId, Source } from '../types';
import type { UserState } from './user-state';
import { recordCacheLookup } from '../../metrics/registry';
import { servingFor, type ArmChoice } from '../../online/online';

export type { ItemReason } from '../types';

/** A list entry: model entries keep what explaining them later needs; others carry their reasons. */
export interface ServedItem {
  itemId: number;
  score: number;
  index?: number;
  sources?: Record<SourceName, number>;
  /** A stored-list entry whose contributions explaining computes (see RankedItem). */
  sourcesAt?: number;
  reasons?: ItemReason[];
}

export interface ServedList {
  source: Source;
  recommendationId: string;
  /** The model version that ranked the list (null for a fallback): impressions record it. */
  versionId: number | null;
  items: ServedItem[];
  /**
   * The item rows the list was filtered with, aligned with `items` (undefined: no row), so
   * rendering a page needs no loads; as current as the list, whose key changes with every
   * note about items.
   */
  rows: (Item | undefined)[];
  /** Reasons for entries of this list (the page served); computed only when asked. */
  explain(items: ServedItem[]): ItemReason[][];
}

interface CachedList {
  source: Source;
  items: PackedItems;
  rows: (Item | undefined)[];
  limit: number;
  state: UserState;
}

interface CachedFriends {
  /** Weak: a list must not keep a swapped-out model (and its graph) alive until it expires. */
  model: WeakRef<LoadedFriendModel>;
  limit: number;
  suggestions: FriendSuggestion[];
}

/**
 * A cached list's entries as arrays: an object per entry, with its six source contributions
 * boxed, took about 15 KB of heap per 50-entry list (75 MB for the bench's 5,000 Epinions
 * users); these take about 70 bytes an entry. The page served is rebuilt from them.
 */
interface PackedItems {
  itemIds: Int32Array;
  scores: Float64Array;
  /** -1 where an entry has none. */
  indices: Int32Array;
  sourcesAt: Int32Array;
  /** SOURCE_NAMES.length values per entry with sources (hasSources). */
  sources: Float64Array;
  hasSources: Uint8Array;
  /** Only when some entry carries its reasons (fallbacks, fresh items). */
  reasons: (ItemReason[] | undefined)[] | null;
}

function pack(items: ServedItem[]): PackedItems {
  const n = items.length;
  const packed: PackedItems = {
    itemIds: new Int32Array(n),
    scores: new Float64Array(n),
    indices: new Int32Array(n).fill(-1),
    sourcesAt: new Int32Array(n).fill(-1),
    sources: new Float64Array(items.some((item) => item.sources) ? n * SOURCE_NAMES.length : 0),
    hasSources: new Uint8Array(n),
    reasons: items.some((item) => item.reasons) ? items.map((item) => item.reasons) : null,
  };
  items.forEach((item, i) => {
    packed.itemIds[i] = item.itemId;
    packed.scores[i] = item.score;
    if (item.index !== undefined) packed.indices[i] = item.index;
    if (item.sourcesAt !== undefined) packed.sourcesAt[i] = item.sourcesAt;
    if (!item.sources) return;
    packed.hasSources[i] = 1;
    SOURCE_NAMES.forEach((name, k) => (packed.sources[i * SOURCE_NAMES.length + k] = item.sources![name]));
  });
  return packed;
}

function unpack(packed: PackedItems, limit: number): ServedItem[] {
  const out: ServedItem[] = [];
  for (let i = 0; i < Math.min(limit, packed.itemIds.length); i++) {
    const item: ServedItem = { itemId: packed.itemIds[i], score: packed.scores[i] };
    if (packed.indices[i] >= 0) item.index = packed.indices[i];
    if (packed.sourcesAt[i] >= 0) item.sourcesAt = packed.sourcesAt[i];
    if (packed.hasSources[i]) {
      const at = i * SOURCE_NAMES.length;
      item.sources = Object.fromEntries(SOURCE_NAMES.map((name, k) => [name, packed.sources[at + k]])) as Record<SourceName, number>;
    }
    const reasons = packed.reasons?.[i];
    if (reasons) item.reasons = reasons;
    out.push(item);
  }
  return out;
}

/** About a packed list's heap: the arrays' objects, 70 bytes an entry, the row slot. */
const listBytes = (list: CachedList) => 1000 + 80 * list.items.itemIds.length;

export interface RecommenderDeps {
  config: Config;
  db: Database;
  logger: Logger;
}

export type { RetrainHooks } from '../model-admin';

/** Bounds of the in-memory serving caches (see docs/decisions/005-serving-from-memory.md). */
export const MAX_CACHED_LISTS = 10_000;
/** Lists run from 1 to MAX_PAGE_SIZE rounded up to LIST_PAGE entries: a count alone does not bound their bytes. */
export const MAX_CACHED_LIST_BYTES = 64 * 2 ** 20;
export const MAX_CACHED_USER_ROWS = 50_000;
export const MAX_CACHED_ITEM_ROWS = 100_000;

export class RecommenderService {
  private readonly models: ActiveModels;
  private readonly feed: ChangeFeed;
  readonly states: UserStates;
  readonly users: RowCache<User>;
  readonly items: RowCache<Item>;
  private readonly trendingCache: LRUCache<string, Promise<TrendingItem[]>> | null;
  private readonly coEngaged: LRUCache<string, Promise<ScoredId[]>> | null;
  /** Keyed by user, state generation, model version, newest item and filter: any change makes a new key. */
  readonly lists: LRUCache<string, CachedList>;
  /** Friend suggestions ranked live, keyed by user, state generation and version; the graph they came from is checked on use. */
  private readonly friendLists: LRUCache<string, CachedFriends>;
  private itemsEpoch = 0;
  readonly admin: ModelAdmin;

  constructor(private readonly deps: RecommenderDeps) {
    const { db, logger, config } = deps;
    this.models = new ActiveModels(db, logger);
    this.admin = new ModelAdmin(db, this.models);
    this.feed = new ChangeFeed(db.kind === 'postgres' ? config.databaseUrl : null, logger);
    this.states = new UserStates(db, logger);
    this.users = new RowCache<User>(MAX_CACHED_USER_ROWS, 'users', (ids) => db.prisma.user.findMany({ where: { id: { in: ids } } }));
    this.items = new RowCache<Item>(MAX_CACHED_ITEM_ROWS, 'items', (ids) => db.prisma.item.findMany({ where: { id: { in: ids } } }));
    for (const subscriber of [this.states, this.users, this.items]) this.feed.subscribe(subscriber);
    this.feed.subscribe({
      note: (note) => {
        if (note.kind !== 'items') return;
        this.itemsEpoch++;
        if (note.ids !== 'all') this.models.latestItemId = Math.max(this.models.latestItemId, ...note.ids);
      },
      liveChanged: () => {
        this.lists.clear();
        this.friendLists.clear();
      },
    });
    const ttl = config.trendingCacheMs;
    this.trendingCache = ttl > 0 ? new LRUCache({ max: 200, ttl }) : null;
    this.coEngaged = ttl > 0 ? new LRUCache({ max: MAX_CACHED_LISTS, ttl }) : null;
    // The TTL only bounds how long a list can miss an input no note covers (a trending shift).
    this.lists = new LRUCache({ max: MAX_CACHED_LISTS, maxSize: MAX_CACHED_LIST_BYTES, sizeCalculation: listBytes, ttl: Math.max(1, config.recommendationCacheMs) });
    this.friendLists = new LRUCache({ max: MAX_CACHED_LISTS, ttl: Math.max(1, config.recommendationCacheMs) });
  }

  /** Loads the active versions and keeps following promotions made by any process. */
  async start(hooks: RetrainHooks): Promise<void> {
    this.admin.hooks = hooks;
    await this.feed.start();
    await this.models.start(this.deps.config.modelPollMs);
  }

  async stop(): Promise<void> {
    await this.feed.stop();
    await this.models.stop();
  }

  /** True while change notes flow, so the in-memory caches may serve. */
  get cachesLive(): boolean {
    return this.feed.live;
  }

  hasModel(kind: ModelKind): boolean {
    return this.models.serving(kind).phase === 'ready';
  }

  /** Serve the ACTIVE versions now (after a promotion) instead of at the next poll. */
  sync(): Promise<void> {
    return this.models.sync();
  }

  /** A write made through this process: caches honour it before Postgres's note arrives. */
  noteChange(note: ChangeNote): void {
    this.feed.publish(note);
  }

  /** The user's behaviour or relations changed: their state and lists are rebuilt. */
  forgetUser(...userIds: number[]): void {
    this.noteChange({ kind: 'follows', ids: userIds });
  }

  sharedRows(): SharedRows {
    return { users: this.users, items: this.items, blockedWith: (userId) => this.blockedWith(userId) };
  }

  /** Users in a block relation with `userId`, from memory when the caches serve; else null. */
  blockedWith(userId: number): Promise<Set<number>> | null {
    return this.feed.live ? this.states.get(userId).state.then((state) => state.blocked) : null;
  }

  async recommendItems(request: ItemRequest): Promise<ServedList> {
    const recommendationId = randomUUID();
    const serving = servingFor(this.models.items, request.arm);
    const entry = this.states.get(request.userId);
    const state = await entry.state;
    const version = serving.phase === 'ready' ? serving.version.id : 0;
    const key = [request.userId, entry.generation, version, this.itemsEpoch, request.category ?? '', (request.tags ?? []).join(','), request.excludeSeen].join('|');
    let list = this.lists.get(key);
    recordCacheLookup('recommendation_lists', list !== undefined && list.limit >= request.limit);
    if (!list || list.limit < request.limit) {
      // Round up so the next page of the same list is served from the same entry.
      const limit = Math.ceil(request.limit / LIST_PAGE) * LIST_PAGE;
      list = await this.computeList(serving, state, { ...request, limit });
      this.lists.set(key, list);
    }
    // Not kept in the list: an entry keyed by a version is only found while that version
    // serves, and holding the instance kept every swapped-out or experiment model alive.
    const model = list.source === 'MODEL' && serving.phase === 'ready' ? serving.model : null;
    const explain = (items: ServedItem[]): ItemReason[][] => {
      const ranked = items.filter((item) => !item.reasons && item.index !== undefined);
      const explained = model && ranked.length ? model.explain(list.state, ranked as Required<Pick<ServedItem, 'itemId' | 'score' | 'index'>>[]) : [];
      const byId = new Map(explained.map((e) => [e.itemId, e.reasons]));
      return items.map((item) => item.reasons ?? byId.get(item.itemId) ?? []);
    };
    const versionId = list.source === 'MODEL' && serving.phase === 'ready' ? serving.version.id : null;
    return { source: list.source, recommendationId, versionId, items: unpack(list.items, request.limit), rows: list.rows.slice(0, request.limit), explain };
  }

  private async computeList(serving: Serving<LoadedItemModel>, state: UserState, request: ItemRequest): Promise<CachedList> {
    const rows = new Map<number, Item>();
    if (serving.phase === 'ready') {
      try {
        const items = await this.modelItems(serving.model, state, request, rows);
        return { source: 'MODEL', items: pack(items), rows: await this.rowsOf(items, rows), limit: request.limit, state };
      } catch (error) {
        this.deps.logger.error({ err: error, userId: request.userId }, 'item model failed; serving fallback');
      }
    }
    const items = await this.fallbackItems(state, request, rows);
    return { source: 'FALLBACK', items: pack(items), rows: await this.rowsOf(items, rows), limit: request.limit, state };
  }

  /** The rows of `items`: those `allowed` saw, the rest (new items woven in) loaded now. */
  private async rowsOf(items: ServedItem[], known: Map<number, Item>): Promise<(Item | undefined)[]> {
    const missing = items.filter((item) => !known.has(item.itemId)).map((item) => item.itemId);
    if (missing.length) for (const row of await this.items.getMany(missing)) if (row) known.set(row.id, row);
    return items.map((item) => known.get(item.itemId));
  }

  private async modelItems(model: LoadedItemModel, state: UserState, request: ItemRequest, rows: Map<number, Item>): Promise<ServedItem[]> {
    const filtered = Boolean(request.category || request.tags?.length);
    const { count, sourcesFor } = listDepth(request.limit, filtered);
    const ranked = model.rank(state, count, sourcesFor);
    const kept = await this.allowed(ranked, state.blocked, request, rows);
    const page = kept.slice(0, request.limit);
    if (this.models.latestItemId <= model.maxItemId) return page;
    const fresh = await freshItems(this.deps.db.prisma, {
      newerThanId: model.maxItemId,
      historyItemIds: state.history.map((h) => h.itemId),
      followeeIds: state.followeeIds,
      blocked: state.blocked,
      request,
      exclude: new Set([...state.history.map((h) => h.itemId), ...state.hiddenItemIds]),
    });
    return weave(page as never, fresh, request.limit);
  }

  /** What the model cannot know: moderation, blocks, filters, deletions; from the item rows, which the kept entries leave in `kept`. */
  private async allowed<T extends { itemId: number }>(ranked: T[], blocked: Set<number>, request: ItemRequest, kept: Map<number, Item>): Promise<T[]> {
    const rows = await this.items.getMany(ranked.map((r) => r.itemId));
    const tags = request.tags ?? [];
    return ranked.filter((_, i) => {
      const item = rows[i];
      if (!item || item.hidden) return false;
      if (item.authorId !== null && blocked.has(item.authorId)) return false;
      if (request.category && item.category !== request.category) return false;
      if (!tags.every((tag) => item.tags.includes(tag))) return false;
      kept.set(item.id, item);
      return true;
    });
  }

  /**
   * `suggestions` are the first `limit` suggestions of users that exist, are not erased and
   * not excluded; `rows` are those users' rows, aligned, so rendering the page needs no loads.
   */
  async suggestFriends(userId: number, limit: number, arm?: ArmChoice | null): Promise<{ source: Source; versionId: number | null; suggestions: FriendSuggestion[]; rows: User[] }> {
    const entry = this.states.get(userId);
    const state = await entry.state;
    const exclude = new Set([...state.blocked, ...state.following]);
    const serving = servingFor(this.models.friends, arm);
    let source: Source = 'FALLBACK';
    let suggestions: FriendSuggestion[] = [];
    let stored: { model: LoadedFriendModel; entries: StoredEntry[] } | null = null;
    if (serving.phase === 'ready' && serving.model.knowsUser(userId)) {
      try {
        // The version's stored list while the user's follows are as trained; else ranked live
        // from the bound graph, reused for this state generation and graph.
        const model = serving.model;
        const want = limit + 20;
        const taken = model.takeStored(userId, want, exclude, state.following);
        if (taken) stored = { model, entries: taken };
        else {
          const key = `${userId}|${entry.generation}|${serving.version.id}`;
          const cached = this.friendLists.get(key);
          if (cached && cached.model.deref() === model && cached.limit >= want) suggestions = cached.suggestions;
          else {
            suggestions = model.suggest(userId, want, exclude);
            // Without change notes a generation is never reused: caching would only churn.
            if (this.feed.live) this.friendLists.set(key, { model: new WeakRef(model), limit: want, suggestions });
          }
        }
        source = 'MODEL';
      } catch (error) {
        this.deps.logger.error({ err: error, userId }, 'friend model failed; serving fallback');
      }
    }
    if (source === 'FALLBACK') suggestions = await this.fallbackFriends(userId, limit + 20, exclude);
    const versionId = source === 'MODEL' && serving.phase === 'ready' ? serving.version.id : null;
    if (!stored) return { source, versionId, ...(await this.present(suggestions, exclude, limit)) };
    // Mutual friends and reasons of stored entries cost more than taking them: only for the page.
    const page = await this.present(stored.entries, exclude, limit);
    return { source, versionId, suggestions: stored.model.describeStored(userId, page.suggestions), rows: page.rows };
  }

  /**
   * The first `limit` of `list` whose users exist, are not erased and are not excluded, with
   * their rows. Rows are looked up for the first `limit` entries, and for the rest only when
   * some of those drop out: the list runs longer than the page just to survive such drops.
   */
  private async present<T extends { userId: number }>(list: T[], exclude: Set<number>, limit: number): Promise<{ suggestions: T[]; rows: User[] }> {
    const suggestions: T[] = [];
    const rows: User[] = [];
    for (let from = 0; from < list.length && suggestions.length < limit; ) {
      const part = list.slice(from, from === 0 ? limit : list.length);
      const found = await this.users.getMany(part.map((s) => s.userId));
      for (let i = 0; i < part.length && suggestions.length < limit; i++) {
        const row = found[i];
        if (!row || row.erasedAt || exclude.has(part[i].userId)) continue;
        suggestions.push(part[i]);
        rows.push(row);
      }
      from += part.length;
    }
    return { suggestions, rows };
  }

  /** Neighbours from the viewer's arm's version (or the active one); versionId null when co-engagement answered. */
  async similarItems(itemId: number, limit: number, arm?: ArmChoice | null): Promise<{ versionId: number | null; items: ScoredId[] }> {
    const serving = servingFor(this.models.items, arm);
    const fromModel = serving.phase === 'ready' ? serving.model.similarItems(itemId, limit) : [];
    // Items the model knows too little about have no neighbours: co-engagement still may.
    if (fromModel.length && serving.phase === 'ready') return { versionId: serving.version.id, items: fromModel };
    // Co-engagement moves like trending does: reused as long as a trending list is.
    const key = `${itemId}:${limit}`;
    let list = this.coEngaged?.get(key);
    if (!list) {
      list = coEngagedItems(this.deps.db.prisma, itemId, limit);
      this.coEngaged?.set(key, list);
      list.catch(() => this.coEngaged?.delete(key));
    }
    return { versionId: null, items: await list };
  }

  async similarUsers(userId: number, limit: number): Promise<ScoredId[]> {
    const prisma = this.deps.db.prisma;
    const serving = this.models.items;
    const state = await this.states.get(userId).state;
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
    if (cache) recordCacheLookup('trending', list !== undefined);
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

  // Model administration lives in ModelAdmin; these forward to it until the admin resolvers
  // take it from the context directly.
  status() {
    return this.admin.status();
  }

  retrain(kind: ModelKind, trigger: 'MANUAL') {
    return this.admin.retrain(kind, trigger);
  }

  activate(versionId: number) {
    return this.admin.activate(versionId);
  }

  private async fallbackItems(state: UserState, request: ItemRequest, rows: Map<number, Item>): Promise<ServedItem[]> {
    const seen = new Set(request.excludeSeen ? [...state.history.map((h) => h.itemId), ...state.hiddenItemIds] : state.hiddenItemIds);
    const want = request.limit + seen.size + 20;
    let ranked = await this.trending('ALL', request.category ?? null, want, state.blocked);
    let kind: ReasonKind = 'TRENDING';
    if (ranked.length === 0) {
      ranked = await newestItems(this.deps.db.prisma, want, state.blocked);
      kind = 'NEW_ITEM';
    }
    const candidates = ranked.filter((row) => !seen.has(row.id)).map((row) => ({ itemId: row.id, score: row.score }));
    return (await this.allowed(candidates, state.blocked, request, rows))
      .slice(0, request.limit)
      .map((row) => ({ ...row, reasons: [{ kind, userIds: [], itemId: null, weight: 1 }] }));
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
