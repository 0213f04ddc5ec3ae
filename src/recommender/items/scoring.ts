/**
 * Serving: recommendations for a user's CURRENT history, and why. Pure TypeScript over the
 * model's arrays (no TensorFlow, no database); a just-recorded interaction changes the next
 * call's results because nothing per user is precomputed.
 */
import type { UserHistory } from './data';
import { collectCandidates, F, NUM_FEATURES, scratchFor, type Scratch, type SourceName } from './features';
import type { ItemModel } from './model';
import { scoreCandidates, sourceContributions } from './ranker';
import { usersWithItem } from './social';

export interface Recommendation {
  item: number;
  score: number;
  /** Each source's share of the score (see ranker.sourceContributions); without a ranker, the raw evidence. Absent beyond `sourcesFor`. */
  sources?: Record<SourceName, number>;
}

export interface RecommendOptions {
  count: number;
  /** Items never to return (e.g. already shown); history and hidden items are always excluded. */
  exclude?: ArrayLike<number>;
  /** Source contributions cost a ranker pass per source: computed for the best `sourcesFor` only (default all). */
  sourcesFor?: number;
}

/** Best first. Never throws for unknown item or user indices: they are ignored. */
export function recommendItems(model: ItemModel, history: UserHistory, options: RecommendOptions): Recommendation[] {
  const ranked = rankItems(model, history, options.count, options.exclude);
  const { candidates } = ranked;
  const sourcesFor = options.sourcesFor ?? options.count;
  const out: Recommendation[] = [];
  for (let rank = 0; rank < ranked.count; rank++) {
    const c = ranked.order[rank];
    out.push({
      item: candidates.items[c],
      score: ranked.scores[c],
      sources:
        rank >= sourcesFor
          ? undefined
          : model.ranker
            ? sourceContributions(model.ranker, candidates.features, c * NUM_FEATURES)
            : rawEvidence(candidates.features, c * NUM_FEATURES),
    });
  }
  return out;
}

interface Ranked {
  candidates: Scratch;
  /** Candidate positions, best first: order[0 .. count). */
  order: Int32Array;
  count: number;
  /** By candidate position. */
  scores: Float64Array;
}

const scoresByModel = new WeakMap<ItemModel, Float64Array>();

/**
 * recommendItems without the per-item objects (valid until the next call for this model):
 * the best `count` candidates by score, ties to the smaller item index.
 */
export function rankItems(model: ItemModel, history: UserHistory, count: number, exclude?: ArrayLike<number>): Ranked {
  const candidates = collectCandidates(model, history, exclude);
  const size = candidates.count;
  let scores = scoresByModel.get(model);
  if (!scores || scores.length < size) {
    scores = new Float64Array(candidates.items.length);
    scoresByModel.set(model, scores);
  }
  const { items, features } = candidates;
  if (model.ranker) scoreCandidates(model.ranker, features, size, scores);
  else for (let c = 0; c < size; c++) scores[c] = fallbackScore(features, c * NUM_FEATURES);
  // A plain array and the same comparator as ever: even a NaN score then orders as it always did.
  const positions: number[] = [];
  for (let c = 0; c < size; c++) positions.push(c);
  const s = scores;
  positions.sort((a, b) => s[b] - s[a] || items[a] - items[b]);
  const order = Int32Array.from(positions.slice(0, count));
  return { candidates, order, count: order.length, scores };
}

/** Item-item score first; popularity breaks ties (and orders items with no item-item evidence). */
function fallbackScore(f: Float32Array, o: number): number {
  return f[o + F.itemItem] + 1e-6 * f[o + F.popularity];
}

function rawEvidence(f: Float32Array, o: number): Record<SourceName, number> {
  return {
    itemItem: f[o + F.itemItem],
    similarUsers: f[o + F.userKnnShare],
    social: f[o + F.friends] + f[o + F.followees],
    content: f[o + F.contentSimilarity],
    popularity: f[o + F.popularity],
    freshness: f[o + F.isNew],
  };
}

export type Reason =
  | { kind: 'SIMILAR_TO_ITEM'; items: { item: number; weight: number }[] }
  | { kind: 'FRIENDS_ENGAGED'; users: number[]; friends: boolean }
  | { kind: 'POPULAR'; rank: number }
  | { kind: 'TRENDING'; rank: number }
  | { kind: 'NEW_ITEM'; ageDays: number }
  | { kind: 'CONTENT_MATCH'; tags: number[]; category: number | null };

export interface Explanation {
  item: number;
  /** Strongest first, ordered by the recommendation's source contributions when given. */
  reasons: Reason[];
}

const SECONDS_PER_DAY = 86_400;
const POPULAR_RANK = 100;

/**
 * Reasons for each item given the same history: the history items whose neighbour lists
 * gave it weight, the friends/followees who engaged, popularity, freshness and shared tags.
 */
export function explainItems(
  model: ItemModel,
  history: UserHistory,
  recommendations: { item: number; sources?: Record<SourceName, number> }[],
  maxPerReason = 3,
): Explanation[] {
  const targets = new Map<number, { item: number; weight: number }[]>();
  for (const r of recommendations) targets.set(r.item, []);
  const lists = model.itemItem;
  for (let h = 0; h < history.items.length; h++) {
    const i = history.items[h];
    if (i < 0 || i >= model.numItems) continue;
    const w = history.weights ? history.weights[h] : 1;
    for (let p = lists.indptr[i]; p < lists.indptr[i + 1]; p++) {
      const found = targets.get(lists.indices[p]);
      if (found) found.push({ item: i, weight: w * lists.values[p] });
    }
  }
  const profile = scratchFor(model).profile;
  profile.build(history.items);
  const followees = history.followees ?? [];
  const friends = new Set(Array.from(history.friends ?? []));
  const popRank = rankMap(model.popularity.popularOrder, POPULAR_RANK);
  const trendRank = rankMap(model.popularity.trendingOrder, POPULAR_RANK);
  return recommendations.map(({ item, sources }) => {
    const bySource: [SourceName, Reason][] = [];
    const similar = (targets.get(item) ?? []).filter((s) => s.weight > 0).sort((a, b) => b.weight - a.weight);
    if (similar.length) bySource.push(['itemItem', { kind: 'SIMILAR_TO_ITEM', items: similar.slice(0, maxPerReason) }]);
    const engaged = usersWithItem(model.userItems, followees, item, 50);
    if (engaged.length) {
      const mutual = engaged.filter((u) => friends.has(u));
      const users = (mutual.length ? mutual : engaged).slice(0, maxPerReason);
      bySource.push(['social', { kind: 'FRIENDS_ENGAGED', users, friends: mutual.length > 0 }]);
    }
    const shared = profile.sharedTags(item, maxPerReason);
    const category = model.content.category[item] >= 0 && profile.categoryAffinity(item) > 0 ? model.content.category[item] : null;
    if (shared.length || category !== null) bySource.push(['content', { kind: 'CONTENT_MATCH', tags: shared, category }]);
    const trending = trendRank.get(item);
    const popular = popRank.get(item);
    if (trending !== undefined && model.popularity.trending !== model.popularity.count) {
      bySource.push(['popularity', { kind: 'TRENDING', rank: trending }]);
    } else if (popular !== undefined) bySource.push(['popularity', { kind: 'POPULAR', rank: popular }]);
    const created = model.createdAt ? model.createdAt[item] : NaN;
    const ageDays = (model.now - created) / SECONDS_PER_DAY;
    if (!Number.isNaN(created) && ageDays <= model.config.freshDays) {
      bySource.push(['freshness', { kind: 'NEW_ITEM', ageDays: Math.max(0, ageDays) }]);
    }
    if (sources) bySource.sort((a, b) => sources[b[0]] - sources[a[0]]);
    return { item, reasons: bySource.map(([, reason]) => reason) };
  });
}

function rankMap(order: Int32Array, limit: number): Map<number, number> {
  const out = new Map<number, number>();
  for (let r = 0; r < Math.min(limit, order.length); r++) out.set(order[r], r + 1);
  return out;
}
