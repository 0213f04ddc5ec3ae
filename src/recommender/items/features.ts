/**
 * Candidate generation and the ranker's per-(user, candidate) features, shared by ranker
 * training and serving so both see exactly the same numbers. Candidates come from every
 * source (item-item, similar users, friends, popular, trending, content, new items);
 * features describe each source's evidence plus the user's activity.
 */
import { ContentProfile } from './content';
import { rowPosition } from '../sparse';
import type { UserHistory } from './data';
import { TopKSelector, type NeighbourLists } from './neighbours';
import type { ItemModel } from './model';
import { SocialSignal } from './social';
import { UserKnnSignal } from './userknn';

export const FEATURE_NAMES = [
  'itemItem',
  'itemItemShare',
  'itemItemRank',
  'itemItemSupport',
  'itemItemStrongest',
  'itemKnn',
  'itemKnnShare',
  'userKnn',
  'userKnnShare',
  'popularity',
  'trending',
  'friends',
  'friendShare',
  'followees',
  'contentSimilarity',
  'categoryAffinity',
  'userActivity',
  'userPopularity',
  'popularityGap',
  'ageDays',
  'hasAge',
  'isNew',
] as const;
export const NUM_FEATURES = FEATURE_NAMES.length;
/** Feature positions by name. */
export const F = Object.fromEntries(FEATURE_NAMES.map((name, i) => [name, i])) as Record<(typeof FEATURE_NAMES)[number], number>;

export const SOURCE_NAMES = ['itemItem', 'similarUsers', 'social', 'content', 'popularity', 'freshness'] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];

/** Which features carry each source's evidence (used to attribute a score to sources). */
export const SOURCE_FEATURES: Record<SourceName, number[]> = {
  itemItem: [F.itemItem, F.itemItemShare, F.itemItemRank, F.itemItemSupport, F.itemItemStrongest, F.itemKnn, F.itemKnnShare],
  similarUsers: [F.userKnn, F.userKnnShare],
  popularity: [F.popularity, F.trending],
  social: [F.friends, F.friendShare, F.followees],
  content: [F.contentSimilarity, F.categoryAffinity],
  freshness: [F.ageDays, F.hasAge, F.isNew],
};

const SECONDS_PER_DAY = 86_400;

export interface CandidateSet {
  items: Int32Array;
  /** count x NUM_FEATURES, row-major. */
  features: Float32Array;
}

/** A dense score over items plus the list of items it touched. */
interface SparseScores {
  value: Float32Array;
  /** How many history items voted for the item, and the largest single vote. */
  support: Float32Array;
  strongest: Float32Array;
  touched: number[];
}

/** Per-model reusable buffers; requests are synchronous, so one set per model suffices. */
export interface Scratch {
  itemItem: SparseScores;
  itemKnn: SparseScores;
  /** 1 = excluded for this request, 2 = already a candidate. */
  mark: Uint8Array;
  userKnn: UserKnnSignal;
  social: SocialSignal;
  profile: ContentProfile;
}

const scratches = new WeakMap<ItemModel, Scratch>();

export function scratchFor(model: ItemModel): Scratch {
  let s = scratches.get(model);
  if (!s) {
    const sparse = () => ({
      value: new Float32Array(model.numItems),
      support: new Float32Array(model.numItems),
      strongest: new Float32Array(model.numItems),
      touched: [],
    });
    s = {
      itemItem: sparse(),
      itemKnn: sparse(),
      mark: new Uint8Array(model.numItems),
      userKnn: new UserKnnSignal(model.numUsers, model.numItems, model.config.userNeighbours),
      social: new SocialSignal(model.numItems),
      profile: new ContentProfile(model.content),
    };
    scratches.set(model, s);
  }
  return s;
}

/**
 * Each history item's vote (ItemModelConfig.recency): the user's training row gives its
 * recency share; an item the model has not seen the user take is newer than all of them.
 * Null when every vote is 1 (no boost, or no timestamps in training).
 */
export function historyVotes(model: ItemModel, history: UserHistory): Float32Array | null {
  const { boost, halfLife } = model.config.recency;
  const rows = model.userItems;
  const values = rows.values;
  if (boost === 0 || !values) return null;
  const u = history.user ?? -1;
  const known = u >= 0 && u + 1 < rows.indptr.length;
  return Float32Array.from({ length: history.items.length }, (_, h) => {
    const p = known ? rowPosition(rows, u, history.items[h]) : -1;
    return recencyVote(p >= 0 ? values[p] : 0, boost, halfLife);
  });
}

export function recencyVote(share: number, boost: number, halfLife: number): number {
  return 1 + boost * 0.5 ** (share / halfLife);
}

function accumulateInto(out: SparseScores, lists: NeighbourLists | null, history: UserHistory, votes: Float32Array | null, mark: Uint8Array): number {
  for (const j of out.touched) {
    out.value[j] = 0;
    out.support[j] = 0;
    out.strongest[j] = 0;
  }
  out.touched.length = 0;
  if (!lists) return 0;
  const n = lists.indptr.length - 1;
  for (let h = 0; h < history.items.length; h++) {
    const i = history.items[h];
    if (i < 0 || i >= n) continue;
    // Votes are 1 but for recency (not the interaction's type weight): the model was fitted on binary positives (train/items/trainer.ts).
    const scale = votes ? votes[h] : 1;
    for (let p = lists.indptr[i]; p < lists.indptr[i + 1]; p++) {
      const j = lists.indices[p];
      if (mark[j] === 0) {
        mark[j] = 3;
        out.touched.push(j);
      }
      const vote = scale * lists.values[p];
      out.value[j] += vote;
      out.support[j]++;
      if (vote > out.strongest[j]) out.strongest[j] = vote;
    }
  }
  let max = 0;
  for (const j of out.touched) {
    mark[j] = 0;
    if (out.value[j] > max) max = out.value[j];
  }
  return max;
}

/**
 * Builds the request's evidence into the model's scratch (valid until the next call) and
 * returns the candidates with their features. Never returns history, hidden or excluded items.
 */
export function buildCandidates(model: ItemModel, history: UserHistory, exclude?: ArrayLike<number>): CandidateSet {
  const s = scratchFor(model);
  const n = model.numItems;
  const sizes = model.config.candidates;
  s.mark.fill(0);
  const votes = historyVotes(model, history);
  const maxItemItem = accumulateInto(s.itemItem, model.itemItem, history, votes, s.mark);
  const maxItemKnn = accumulateInto(s.itemKnn, model.itemKnn, history, votes, s.mark);
  s.userKnn.build(model.userItems, model.itemUsers, history.items, history.user ?? -1);
  let maxUserKnn = 0;
  for (const j of s.userKnn.touched) if (s.userKnn.score[j] > maxUserKnn) maxUserKnn = s.userKnn.score[j];
  const excludeAll = (list: ArrayLike<number> | undefined) => {
    if (list) for (let t = 0; t < list.length; t++) if (list[t] >= 0 && list[t] < n) s.mark[list[t]] = 1;
  };
  excludeAll(history.items);
  excludeAll(history.hidden);
  excludeAll(exclude);

  const items: number[] = [];
  const add = (j: number) => {
    if (s.mark[j] !== 0) return;
    s.mark[j] = 2;
    items.push(j);
  };
  const best = (touched: number[], value: (j: number) => number, count: number) => {
    const top = new TopKSelector(count);
    for (const j of touched) if (s.mark[j] === 0 && value(j) > 0) top.push(j, value(j));
    return top.drain().indices;
  };
  const ranked = best(s.itemItem.touched, (j) => s.itemItem.value[j], sizes.itemItem);
  ranked.forEach(add);
  best(s.itemKnn.touched, (j) => s.itemKnn.value[j], sizes.itemKnn).forEach(add);
  best(s.userKnn.touched, (j) => s.userKnn.score[j], sizes.userKnn).forEach(add);
  s.social.build(model.userItems, history.followees ?? [], history.friends ?? []);
  best(s.social.touched, (j) => s.social.friendCount[j] + 0.5 * s.social.followeeCount[j], sizes.social).forEach(add);
  addFirst(model.popularity.popularOrder, sizes.popular, s.mark, add);
  addFirst(model.popularity.trendingOrder, sizes.trending, s.mark, add);
  addFirst(model.newest, sizes.fresh, s.mark, add);
  s.profile.build(history.items);
  if (model.content.numTags > 0 && sizes.content > 0) {
    const { tagItems } = model.content;
    const pool: number[] = [];
    for (const t of s.profile.topTags(10)) for (let p = tagItems.indptr[t]; p < tagItems.indptr[t + 1]; p++) pool.push(tagItems.indices[p]);
    best(pool, (j) => s.profile.similarity(j), sizes.content).forEach(add);
  }

  const count = items.length;
  const features = new Float32Array(count * NUM_FEATURES);
  const rankOf = new Map<number, number>();
  ranked.forEach((j, r) => rankOf.set(j, r));
  const activity = Math.log1p(history.items.length);
  const { count: pop, trending } = model.popularity;
  let userPopularity = 0;
  let known = 0;
  for (let h = 0; h < history.items.length; h++) {
    const i = history.items[h];
    if (i < 0 || i >= n) continue;
    userPopularity += Math.log1p(pop[i]);
    known++;
  }
  if (known > 0) userPopularity /= known;
  for (let c = 0; c < count; c++) {
    const j = items[c];
    const f = features.subarray(c * NUM_FEATURES, (c + 1) * NUM_FEATURES);
    f[F.itemItem] = s.itemItem.value[j];
    f[F.itemItemShare] = maxItemItem > 0 ? s.itemItem.value[j] / maxItemItem : 0;
    f[F.itemItemRank] = Math.log1p(rankOf.get(j) ?? sizes.itemItem);
    f[F.itemItemSupport] = known > 0 ? s.itemItem.support[j] / known : 0;
    f[F.itemItemStrongest] = maxItemItem > 0 ? s.itemItem.strongest[j] / maxItemItem : 0;
    f[F.itemKnn] = s.itemKnn.value[j];
    f[F.itemKnnShare] = maxItemKnn > 0 ? s.itemKnn.value[j] / maxItemKnn : 0;
    f[F.userKnn] = s.userKnn.score[j];
    f[F.userKnnShare] = maxUserKnn > 0 ? s.userKnn.score[j] / maxUserKnn : 0;
    f[F.popularity] = Math.log1p(pop[j]);
    f[F.trending] = Math.log1p(trending[j]);
    f[F.friends] = Math.log1p(s.social.friendCount[j]);
    f[F.friendShare] = s.social.friends > 0 ? s.social.friendCount[j] / s.social.friends : 0;
    f[F.followees] = Math.log1p(s.social.followeeCount[j]);
    f[F.contentSimilarity] = s.profile.similarity(j);
    f[F.categoryAffinity] = s.profile.categoryAffinity(j);
    f[F.userActivity] = activity;
    f[F.userPopularity] = userPopularity;
    f[F.popularityGap] = Math.log1p(pop[j]) - userPopularity;
    const created = model.createdAt ? model.createdAt[j] : NaN;
    if (!Number.isNaN(created)) {
      const ageDays = Math.max(0, model.now - created) / SECONDS_PER_DAY;
      f[F.ageDays] = Math.log1p(ageDays);
      f[F.hasAge] = 1;
      f[F.isNew] = ageDays <= model.config.freshDays ? 1 : 0;
    }
  }
  return { items: Int32Array.from(items), features };
}

function addFirst(order: Int32Array, count: number, mark: Uint8Array, add: (j: number) => void): void {
  let added = 0;
  for (let t = 0; t < order.length && added < count; t++) {
    if (mark[order[t]] === 0) {
      add(order[t]);
      added++;
    }
  }
}
