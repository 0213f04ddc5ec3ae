/**
 * A trained item model bound to the database ids its indices stand for. Requests speak
 * database ids; the model speaks dense indices. Immutable once built: a new version is a
 * new instance, swapped in whole.
 */
import type { UserHistory } from '../items/data';
import type { ItemModel } from '../items/model';
import { explainItems, recommendItems, type Reason } from '../items/scoring';
import type { SourceName } from '../items/features';
import type { ItemReason, ItemRequestState } from '../types';

export interface RankedItem {
  itemId: number;
  score: number;
  /** The model's index of the item. */
  index: number;
  sources?: Record<SourceName, number>;
}

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

  private historyOf(state: ItemRequestState): UserHistory {
    const known = state.history.filter((entry) => this.itemIndex.has(entry.itemId));
    return {
      user: this.userIndex.get(state.userId),
      items: known.map((entry) => this.itemIndex.get(entry.itemId)!),
      weights: known.map((entry) => entry.weight),
      hidden: this.toItems(state.hiddenItemIds),
      followees: this.toUsers(state.followeeIds),
      friends: this.toUsers(state.friendIds),
    };
  }

  /**
   * Best first, without reasons (cheap); `sourcesFor` top items keep what explain() needs.
   * Unknown ids in the state are ignored.
   */
  rank(state: ItemRequestState, count: number, sourcesFor = 0): RankedItem[] {
    const ranked = recommendItems(this.model, this.historyOf(state), { count, exclude: this.toItems(state.excludeItemIds), sourcesFor });
    return ranked.map((r) => ({ itemId: this.itemIds[r.item], score: r.score, index: r.item, sources: r.sources }));
  }

  /** Reasons for items from rank() with the same state: the final page only, since it costs. */
  explain(state: ItemRequestState, ranked: RankedItem[]): ScoredItem[] {
    const explanations = explainItems(this.model, this.historyOf(state), ranked.map((r) => ({ item: r.index, sources: r.sources })));
    return ranked.map((r, i) => ({ itemId: r.itemId, score: r.score, reasons: this.reasons(explanations[i].reasons, r.sources) }));
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
