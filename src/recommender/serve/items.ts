/**
 * A trained item model bound to the database ids its indices stand for. Requests speak
 * database ids; the model speaks dense indices. Immutable once built: a new version is a
 * new instance, swapped in whole.
 */
import type { ItemModel } from '../items/model';
import { explainItems, rankItems, recommendItems, type Reason } from '../items/scoring';
import type { SourceName } from '../items/features';
import { canonicalHistory, historyKey, type CanonicalHistory, type StoredLists } from '../items/stored-lists';
import type { ItemReason, ItemRequestState } from '../types';

export interface RankedItem {
  itemId: number;
  score: number;
  /** The model's index of the item. */
  index: number;
  sources?: Record<SourceName, number>;
  /**
   * From a stored list, which keeps no source contributions: the item's position in the
   * model's order, so explain() computes them (as rank() would have) only when reasons are asked.
   */
  sourcesAt?: number;
}

/** Lists are computed for pages rounded up to this, so the next page reuses the same list. */
export const LIST_PAGE = 50;
/** Candidates asked of the model per wanted item, so filters and visibility still leave enough. */
const OVERFETCH = 3;

/** How deep a list of `limit` items ranks, and for how many of them it computes source contributions. */
export function listDepth(limit: number, filtered: boolean): { count: number; sourcesFor: number } {
  return { count: limit * OVERFETCH * (filtered ? 4 : 1) + 20, sourcesFor: limit + 10 };
}

/** What training stores per user: the unfiltered list of one default page. */
export const STORED_DEPTH = listDepth(LIST_PAGE, false).count;

export interface ScoredItem {
  itemId: number;
  score: number;
  reasons: ItemReason[];
}

function indexOf(ids: Int32Array): Map<number, number> {
  const map = new Map<number, number>();
  ids.forEach((id, index) => map.set(id, index));
  return map;
}

export class LoadedItemModel {
  private readonly userIndex: Map<number, number>;
  private readonly itemIndex: Map<number, number>;
  /** Items with larger ids were created after training. */
  readonly maxItemId: number;

  constructor(
    readonly model: ItemModel,
    readonly userIds: Int32Array,
    readonly itemIds: Int32Array,
    /** Lists precomputed by training, used while a user's state is the one they were ranked from. */
    readonly lists: StoredLists | null = null,
  ) {
    this.userIndex = indexOf(userIds);
    this.itemIndex = indexOf(itemIds);
    this.maxItemId = itemIds.reduce((max, id) => Math.max(max, id), 0);
  }

  knowsItem(itemId: number): boolean {
    return this.itemIndex.has(itemId);
  }

  private toItems(ids: number[]): number[] {
    return ids.flatMap((id) => {
      const index = this.itemIndex.get(id);
      return index === undefined ? [] : [index];
    });
  }

  private toUsers(ids: number[]): number[] {
    return ids.flatMap((id) => {
      const index = this.userIndex.get(id);
      return index === undefined ? [] : [index];
    });
  }

  /** In canonical order, so ranking (live or stored) depends on the state's contents only. */
  private historyOf(state: ItemRequestState): CanonicalHistory {
    const known = state.history.filter((entry) => this.itemIndex.has(entry.itemId));
    return canonicalHistory({
      user: this.userIndex.get(state.userId),
      items: known.map((entry) => this.itemIndex.get(entry.itemId)!),
      weights: known.map((entry) => entry.weight),
      hidden: this.toItems(state.hiddenItemIds),
      followees: this.toUsers(state.followeeIds),
      friends: this.toUsers(state.friendIds),
    });
  }

  /**
   * Best first, without reasons (cheap); `sourcesFor` top items keep what explain() needs.
   * Unknown ids in the state are ignored. Served from the stored list when the user's state is
   * the one training ranked it from, else ranked now.
   */
  rank(state: ItemRequestState, count: number, sourcesFor = 0): RankedItem[] {
    const history = this.historyOf(state);
    const exclude = this.toItems(state.excludeItemIds);
    const stored = exclude.length === 0 ? this.storedList(history, count) : null;
    if (stored) return stored.map((r, position) => ({ ...r, ...(position < sourcesFor ? { sourcesAt: position } : {}) }));
    const ranked = recommendItems(this.model, history, { count, exclude, sourcesFor });
    return ranked.map((r) => ({ itemId: this.itemIds[r.item], score: r.score, index: r.item, sources: r.sources }));
  }

  /** The first `count` of the user's stored list, or null when it is missing, too short or of another state. */
  private storedList(history: CanonicalHistory, count: number): RankedItem[] | null {
    const lists = this.lists;
    const u = history.user;
    if (!lists || u === undefined || count > lists.depth) return null;
    const start = lists.indptr[u];
    const end = lists.indptr[u + 1];
    if (end === start) return null;
    const [a, b] = historyKey(history);
    if (lists.keys[2 * u] !== a || lists.keys[2 * u + 1] !== b) return null;
    const out: RankedItem[] = [];
    for (let p = start; p < Math.min(end, start + count); p++) {
      out.push({ itemId: this.itemIds[lists.items[p]], score: lists.scores[p], index: lists.items[p] });
    }
    return out;
  }

  /** Reasons for items from rank() with the same state: the final page only, since it costs. */
  explain(state: ItemRequestState, ranked: RankedItem[]): ScoredItem[] {
    const history = this.historyOf(state);
    const withSources = this.fillSources(history, ranked);
    const explanations = explainItems(this.model, history, withSources.map((r) => ({ item: r.index, sources: r.sources })));
    return withSources.map((r, i) => ({ itemId: r.itemId, score: r.score, reasons: this.reasons(explanations[i].reasons, r.sources) }));
  }

  /** Stored entries get the contributions live ranking would have given them: one ranking pass, only when explaining. */
  private fillSources(history: CanonicalHistory, ranked: RankedItem[]): RankedItem[] {
    const pending = ranked.filter((r) => r.sourcesAt !== undefined && !r.sources);
    if (pending.length === 0) return ranked;
    const depth = Math.max(...pending.map((r) => r.sourcesAt!)) + 1;
    const live = recommendItems(this.model, history, { count: depth, sourcesFor: depth });
    const byItem = new Map(live.map((r) => [r.item, r.sources]));
    return ranked.map((r) => (r.sourcesAt === undefined || r.sources ? r : { ...r, sources: byItem.get(r.index) }));
  }

  /**
   * Training's precomputed lists: rank() of each user's state as the snapshot saw it (the
   * ranking recommendItems wraps, so a stored list is exactly what live ranking gives that state).
   */
  static precompute(model: ItemModel, histories: Iterable<CanonicalHistory>, depth = STORED_DEPTH): StoredLists {
    // Appended to growing typed arrays, then packed in user order: no per-entry objects kept.
    let appendedItems = new Int32Array(1024);
    let appendedScores = new Float64Array(1024);
    let size = 0;
    const start = new Int32Array(model.numUsers);
    const lengths = new Int32Array(model.numUsers);
    const keys = new Int32Array(2 * model.numUsers);
    for (const history of histories) {
      const u = history.user!;
      const list = rankItems(model, history, depth);
      if (size + list.count > appendedItems.length) {
        const grown = Math.max(2 * appendedItems.length, size + list.count);
        const nextItems = new Int32Array(grown);
        const nextScores = new Float64Array(grown);
        nextItems.set(appendedItems.subarray(0, size));
        nextScores.set(appendedScores.subarray(0, size));
        [appendedItems, appendedScores] = [nextItems, nextScores];
      }
      start[u] = size;
      lengths[u] = list.count;
      for (let rank = 0; rank < list.count; rank++) {
        const c = list.order[rank];
        appendedItems[size] = list.candidates.items[c];
        appendedScores[size++] = list.scores[c];
      }
      [keys[2 * u], keys[2 * u + 1]] = historyKey(history);
    }
    const indptr = new Int32Array(model.numUsers + 1);
    for (let u = 0; u < model.numUsers; u++) indptr[u + 1] = indptr[u] + lengths[u];
    const items = new Int32Array(indptr[model.numUsers]);
    const scores = new Float64Array(items.length);
    for (let u = 0; u < model.numUsers; u++) {
      items.set(appendedItems.subarray(start[u], start[u] + lengths[u]), indptr[u]);
      scores.set(appendedScores.subarray(start[u], start[u] + lengths[u]), indptr[u]);
    }
    return { depth, indptr, items, scores, keys };
  }

  /**
   * Reasons with the share of the score each accounts for: the sources' positive
   * contributions, normalised over the reasons given (equal shares when none is positive).
   * An item the model ranked with no specific evidence is explained as POPULAR.
   */
  private reasons(reasons: Reason[], sources: Record<SourceName, number> | undefined): ItemReason[] {
    const mapped = reasons.map((reason): [SourceName, ItemReason] => {
      switch (reason.kind) {
        case 'SIMILAR_TO_ITEM':
          return ['itemItem', { kind: 'SIMILAR_TO_ITEM', itemId: this.itemIds[reason.items[0].item], userIds: [], weight: 0 }];
        case 'FRIENDS_ENGAGED':
          return ['social', { kind: 'FRIENDS_ENGAGED', itemId: null, userIds: reason.users.map((u) => this.userIds[u]), weight: 0 }];
        case 'CONTENT_MATCH':
          return ['content', { kind: 'MATCHES_INTERESTS', itemId: null, userIds: [], weight: 0 }];
        case 'TRENDING':
          return ['popularity', { kind: 'TRENDING', itemId: null, userIds: [], weight: 0 }];
        case 'POPULAR':
          return ['popularity', { kind: 'POPULAR', itemId: null, userIds: [], weight: 0 }];
        case 'NEW_ITEM':
          return ['freshness', { kind: 'NEW_ITEM', itemId: null, userIds: [], weight: 0 }];
      }
    });
    if (mapped.length === 0) return [{ kind: 'POPULAR', itemId: null, userIds: [], weight: 1 }];
    const share = (source: SourceName) => (sources ? Math.max(0, sources[source]) : 0);
    const total = mapped.reduce((sum, [source]) => sum + share(source), 0);
    return mapped.map(([source, reason]) => ({ ...reason, weight: total > 0 ? share(source) / total : 1 / mapped.length }));
  }

  /** Items most similar to one item (its neighbour list). */
  similarItems(itemId: number, count: number): { id: number; score: number }[] {
    const i = this.itemIndex.get(itemId);
    if (i === undefined) return [];
    const lists = this.model.itemItem;
    const out: { id: number; score: number }[] = [];
    for (let p = lists.indptr[i]; p < lists.indptr[i + 1]; p++) {
      if (lists.values[p] > 0) out.push({ id: this.itemIds[lists.indices[p]], score: lists.values[p] });
    }
    return out.sort((a, b) => b.score - a.score).slice(0, count);
  }

  /** Users whose training positives overlap most with this history (cosine on binary rows). */
  similarUsers(state: ItemRequestState, count: number): { id: number; score: number }[] {
    const { userItems, itemUsers } = this.model;
    const self = this.userIndex.get(state.userId);
    const overlap = new Map<number, number>();
    const items = this.toItems(state.history.map((entry) => entry.itemId));
    for (const i of items) {
      for (let p = itemUsers.indptr[i]; p < itemUsers.indptr[i + 1]; p++) {
        const u = itemUsers.indices[p];
        if (u !== self) overlap.set(u, (overlap.get(u) ?? 0) + 1);
      }
    }
    const norm = Math.sqrt(items.length || 1);
    return [...overlap]
      .map(([u, shared]) => ({ id: this.userIds[u], score: shared / (norm * Math.sqrt(userItems.indptr[u + 1] - userItems.indptr[u])) }))
      .sort((a, b) => b.score - a.score || a.id - b.id)
      .slice(0, count);
  }
}
