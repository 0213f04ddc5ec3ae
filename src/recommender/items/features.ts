/**
 * Candidate generation and the ranker's per-(user, candidate) features, shared by ranker
 * training and serving so both see exactly the same numbers. Candidates come from every
 * source (item-item, friends, popular, trending, content, new items); features describe
 * each source's evidence plus the user's activity.
 */
import { ContentProfile } from './content';
import type { UserHistory } from './data';
import { TopKSelector } from './neighbours';
import type { ItemModel } from './model';
import { SocialSignal } from './social';

export const FEATURE_NAMES = [
  'itemItem',
  'itemItemShare',
  'itemItemRank',
  'popularity',
  'trending',
  'friends',
  'friendShare',
  'followees',
  'contentSimilarity',
  'categoryAffinity',
  'userActivity',
  'ageDays',
  'hasAge',
  'isNew',
] as const;
export const NUM_FEATURES = FEATURE_NAMES.length;

export const SOURCE_NAMES = ['itemItem', 'social', 'content', 'popularity', 'freshness'] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];

/** Which features carry each source's evidence (used to attribute a score to sources). */
export const SOURCE_FEATURES: Record<SourceName, number[]> = {
  itemItem: [0, 1, 2],
  popularity: [3, 4],
  social: [5, 6, 7],
  content: [8, 9],
  freshness: [11, 12, 13],
};

const SECONDS_PER_DAY = 86_400;

export interface CandidateSet {
  items: Int32Array;
  /** count x NUM_FEATURES, row-major. */
  features: Float32Array;
}

/** Per-model reusable buffers; requests are synchronous, so one set per model suffices. */
export interface Scratch {
  itemItem: Float32Array;
  /** 1 = excluded for this request, 2 = already a candidate. */
  mark: Uint8Array;
  touched: number[];
  social: SocialSignal;
  profile: ContentProfile;
}

const scratches = new WeakMap<ItemModel, Scratch>();

export function scratchFor(model: ItemModel): Scratch {
  let s = scratches.get(model);
  if (!s) {
    s = {
      itemItem: new Float32Array(model.numItems),
      mark: new Uint8Array(model.numItems),
      touched: [],
      social: new SocialSignal(model.numItems),
      profile: new ContentProfile(model.content),
    };
    scratches.set(model, s);
  }
  return s;
}

/**
 * Builds the request's evidence into the model's scratch (valid until the next call) and
 * returns the candidates with their features. Never returns history, hidden or excluded items.
 */
export function buildCandidates(model: ItemModel, history: UserHistory, exclude?: ArrayLike<number>): CandidateSet {
  const s = scratchFor(model);
  const n = model.numItems;
  const sizes = model.config.candidates;
  for (const i of s.touched) s.itemItem[i] = 0;
  s.touched.length = 0;
  s.mark.fill(0);
  const lists = model.itemItem;
  for (let h = 0; h < history.items.length; h++) {
    const i = history.items[h];
    if (i < 0 || i >= n) continue;
    const w = history.weights ? history.weights[h] : 1;
    for (let p = lists.indptr[i]; p < lists.indptr[i + 1]; p++) {
      const j = lists.indices[p];
      if (s.mark[j] === 0) {
        s.mark[j] = 3;
        s.touched.push(j);
      }
      s.itemItem[j] += w * lists.values[p];
    }
  }
  for (const j of s.touched) s.mark[j] = 0;
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
  const top = new TopKSelector(sizes.itemItem);
  let maxItemItem = 0;
  for (const j of s.touched) {
    const v = s.itemItem[j];
    if (s.mark[j] === 0 && v > 0) {
      top.push(j, v);
      if (v > maxItemItem) maxItemItem = v;
    }
  }
  const ranked = top.drain().indices;
  ranked.forEach(add);

  s.social.build(model.userItems, history.followees ?? [], history.friends ?? []);
  if (s.social.touched.length) {
    const social = new TopKSelector(sizes.social);
    for (const j of s.social.touched) social.push(j, s.social.friendCount[j] + 0.5 * s.social.followeeCount[j]);
    social.drain().indices.forEach(add);
  }
  addFirst(model.popularity.popularOrder, sizes.popular, s.mark, add);
  addFirst(model.popularity.trendingOrder, sizes.trending, s.mark, add);
  addFirst(model.newest, sizes.fresh, s.mark, add);
  s.profile.build(history.items);
  if (model.content.numTags > 0 && sizes.content > 0) {
    const content = new TopKSelector(sizes.content);
    const { tagItems } = model.content;
    for (const t of s.profile.topTags(10)) {
      for (let p = tagItems.indptr[t]; p < tagItems.indptr[t + 1]; p++) {
        const j = tagItems.indices[p];
        if (s.mark[j] === 0) content.push(j, s.profile.similarity(j));
      }
    }
    content.drain().indices.forEach(add);
  }

  const count = items.length;
  const features = new Float32Array(count * NUM_FEATURES);
  const rankOf = new Map<number, number>();
  ranked.forEach((j, r) => rankOf.set(j, r));
  const activity = Math.log1p(history.items.length);
  const { count: pop, trending } = model.popularity;
  for (let c = 0; c < count; c++) {
    const j = items[c];
    const f = c * NUM_FEATURES;
    const ii = s.itemItem[j];
    features[f] = ii;
    features[f + 1] = maxItemItem > 0 ? ii / maxItemItem : 0;
    features[f + 2] = Math.log1p(rankOf.get(j) ?? sizes.itemItem);
    features[f + 3] = Math.log1p(pop[j]);
    features[f + 4] = Math.log1p(trending[j]);
    features[f + 5] = Math.log1p(s.social.friendCount[j]);
    features[f + 6] = s.social.friends > 0 ? s.social.friendCount[j] / s.social.friends : 0;
    features[f + 7] = Math.log1p(s.social.followeeCount[j]);
    features[f + 8] = s.profile.similarity(j);
    features[f + 9] = s.profile.categoryAffinity(j);
    features[f + 10] = activity;
    const created = model.createdAt ? model.createdAt[j] : NaN;
    if (!Number.isNaN(created)) {
      const ageDays = Math.max(0, model.now - created) / SECONDS_PER_DAY;
      features[f + 11] = Math.log1p(ageDays);
      features[f + 12] = 1;
      features[f + 13] = ageDays <= model.config.freshDays ? 1 : 0;
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
