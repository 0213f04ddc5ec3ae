/**
 * Candidate generation and the ranker's per-(user, candidate) features, shared by ranker
 * training and serving so both see exactly the same numbers. Candidates come from every
 * source (item-item, similar users, friends, popular, trending, content, new items);
 * features describe each source's evidence plus the user's activity.
 */
import { ContentProfile } from './content';
import { rowPosition } from '../sparse';
import type { UserHistory } from './data';
import type { NeighbourLists } from './neighbours';
import type { ItemModel } from './model';
import { TopK } from '../top-k';
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
  /**
   * Per item j, interleaved so one vote touches one cache line: acc[3j] the summed vote,
   * acc[3j + 1] how many history items voted, acc[3j + 2] the largest single vote.
   */
  acc: Float32Array;
  /** The items with a vote are touched[0 .. size). */
  touched: Int32Array;
  size: number;
}

/** Per-model reusable buffers; requests are synchronous, so one set per model suffices. */
export interface Scratch {
  itemItem: SparseScores;
  itemKnn: SparseScores;
  /** 1 = excluded for this request, 2 = already a candidate; the marked items are marked[0 .. markedSize). */
  mark: Uint8Array;
  marked: Int32Array;
  markedSize: number;
  userKnn: UserKnnSignal;
  social: SocialSignal;
  profile: ContentProfile;
  /** This request's candidates, items[0 .. count) (at most the sum of the source sizes). */
  items: Int32Array;
  count: number;
  /** count x NUM_FEATURES, overwritten by the next request. */
  features: Float32Array;
  /** Position of an item in the item-item ranking, -1 when not in it. */
  rankOf: Int32Array;
  /** Item-only features, made on first use. */
  constants: ItemConstants | null;
  /** One per source: each keeps at most that source's candidate count. */
  top: Record<'itemItem' | 'itemKnn' | 'userKnn' | 'social' | 'content', TopK>;
}

const scratches = new WeakMap<ItemModel, Scratch>();

export function scratchFor(model: ItemModel): Scratch {
  let s = scratches.get(model);
  if (!s) {
    const n = model.numItems;
    const sparse = (): SparseScores => ({ acc: new Float32Array(3 * n), touched: new Int32Array(n), size: 0 });
    const sizes = model.config.candidates;
    const capacity = Object.values(sizes).reduce((sum, size) => sum + Math.max(0, size), 0);
    s = {
      itemItem: sparse(),
      itemKnn: sparse(),
      mark: new Uint8Array(n),
      marked: new Int32Array(n),
      markedSize: 0,
      userKnn: new UserKnnSignal(model.numUsers, n, model.config.userNeighbours),
      social: new SocialSignal(n),
      profile: new ContentProfile(model.content),
      items: new Int32Array(capacity),
      count: 0,
      features: new Float32Array(capacity * NUM_FEATURES),
      rankOf: new Int32Array(n).fill(-1),
      constants: null,
      top: {
        itemItem: new TopK(sizes.itemItem),
        itemKnn: new TopK(sizes.itemKnn),
        userKnn: new TopK(sizes.userKnn),
        social: new TopK(sizes.social),
        content: new TopK(sizes.content),
      },
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
  const votes = new Float32Array(history.items.length);
  for (let h = 0; h < votes.length; h++) {
    const p = known ? rowPosition(rows, u, history.items[h]) : -1;
    votes[h] = recencyVote(p >= 0 ? values[p] : 0, boost, halfLife);
  }
  return votes;
}

export function recencyVote(share: number, boost: number, halfLife: number): number {
  return 1 + boost * 0.5 ** (share / halfLife);
}

/** Sums the history items' neighbour lists; `strongest` also keeps each item's largest vote. Returns the largest sum. */
function accumulateInto(out: SparseScores, lists: NeighbourLists | null, history: UserHistory, votes: Float32Array | null, strongest: boolean): number {
  const { acc, touched } = out;
  for (let t = 0; t < out.size; t++) {
    const a = 3 * touched[t];
    acc[a] = 0;
    acc[a + 1] = 0;
    acc[a + 2] = 0;
  }
  out.size = 0;
  if (!lists) return 0;
  const { indptr, indices, values: weights } = lists;
  const items = history.items;
  const n = indptr.length - 1;
  let size = 0;
  for (let h = 0; h < items.length; h++) {
    const i = items[h];
    if (i < 0 || i >= n) continue;
    // Votes are 1 but for recency (not the interaction's type weight): the model was fitted on binary positives (train/items/trainer.ts).
    const scale = votes ? votes[h] : 1;
    for (let p = indptr[i]; p < indptr[i + 1]; p++) {
      const j = indices[p];
      const a = 3 * j;
      // No voter yet is the first vote (a vote's value may be 0, or a sum cancel out).
      const voters = acc[a + 1];
      if (voters === 0) touched[size++] = j;
      acc[a + 1] = voters + 1;
      const vote = scale * weights[p];
      acc[a] += vote;
      if (strongest && vote > acc[a + 2]) acc[a + 2] = vote;
    }
  }
  out.size = size;
  let max = 0;
  for (let t = 0; t < size; t++) if (acc[3 * touched[t]] > max) max = acc[3 * touched[t]];
  return max;
}

/**
 * Builds the request's evidence into the model's scratch (valid until the next call) and
 * returns the candidates with their features. Never returns history, hidden or excluded items.
 */
export function buildCandidates(model: ItemModel, history: UserHistory, exclude?: ArrayLike<number>): CandidateSet {
  const s = collectCandidates(model, history, exclude);
  return { items: s.items.slice(0, s.count), features: s.features.slice(0, s.count * NUM_FEATURES) };
}

/** buildCandidates into the scratch: s.items[0 .. s.count) and their features, valid until the next call. */
export function collectCandidates(model: ItemModel, history: UserHistory, exclude?: ArrayLike<number>): Scratch {
  const s = scratchFor(model);
  const n = model.numItems;
  const sizes = model.config.candidates;
  const { mark, marked, top } = s;
  for (let t = 0; t < s.markedSize; t++) mark[marked[t]] = 0;
  s.markedSize = 0;
  s.count = 0;
  const votes = historyVotes(model, history);
  const maxItemItem = accumulateInto(s.itemItem, model.itemItem, history, votes, true);
  const maxItemKnn = accumulateInto(s.itemKnn, model.itemKnn, history, votes, false);
  const userKnn = s.userKnn;
  userKnn.build(model.userItems, model.itemUsers, history.items, history.user ?? -1);
  let maxUserKnn = 0;
  for (let t = 0; t < userKnn.size; t++) if (userKnn.score[userKnn.touched[t]] > maxUserKnn) maxUserKnn = userKnn.score[userKnn.touched[t]];
  excludeAll(s, history.items, n);
  excludeAll(s, history.hidden, n);
  excludeAll(s, exclude, n);

  // Each source's best unmarked items with positive evidence, in the order TopKSelector.drain gives.
  selectPositive(top.itemItem, s.itemItem.acc, 3, s.itemItem.touched, s.itemItem.size, mark);
  const ranked = top.itemItem;
  for (let r = 0; r < ranked.count; r++) s.rankOf[ranked.indices[r]] = r;
  addAll(s, ranked);
  addAll(s, selectPositive(top.itemKnn, s.itemKnn.acc, 3, s.itemKnn.touched, s.itemKnn.size, mark));
  addAll(s, selectPositive(top.userKnn, userKnn.score, 1, userKnn.touched, userKnn.size, mark));
  const social = s.social;
  social.build(model.userItems, history.followees ?? [], history.friends ?? []);
  for (let t = 0; t < social.size; t++) {
    const j = social.touched[t];
    const value = social.friendCount[j] + 0.5 * social.followeeCount[j];
    if (mark[j] === 0 && value > 0) top.social.push(j, value);
  }
  top.social.drain();
  addAll(s, top.social);
  addFirst(s, model.popularity.popularOrder, sizes.popular);
  addFirst(s, model.popularity.trendingOrder, sizes.trending);
  addFirst(s, model.newest, sizes.fresh);
  const profile = s.profile;
  profile.build(history.items);
  if (model.content.numTags > 0 && sizes.content > 0) selectContent(model, s);

  writeFeatures(model, history, s, maxItemItem, maxItemKnn, maxUserKnn);
  for (let r = 0; r < ranked.count; r++) s.rankOf[ranked.indices[r]] = -1;
  return s;
}

function writeFeatures(model: ItemModel, history: UserHistory, s: Scratch, maxItemItem: number, maxItemKnn: number, maxUserKnn: number): void {
  const n = model.numItems;
  const sizes = model.config.candidates;
  const { userKnn, social, profile } = s;
  const count = s.count;
  const items = s.items;
  const features = s.features;
  const activity = Math.log1p(history.items.length);
  const { logPopularity, logTrending, logAge, age, logRank } = itemConstants(model, s);
  let userPopularity = 0;
  let known = 0;
  for (let h = 0; h < history.items.length; h++) {
    const i = history.items[h];
    if (i < 0 || i >= n) continue;
    userPopularity += logPopularity[i];
    known++;
  }
  if (known > 0) userPopularity /= known;
  const itemItem = s.itemItem.acc;
  const itemKnn = s.itemKnn.acc;
  const userKnnScore = userKnn.score;
  const { friendCount, followeeCount, friends } = social;
  for (let c = 0; c < count; c++) {
    const j = items[c];
    const o = c * NUM_FEATURES;
    const rank = s.rankOf[j];
    const popularity = logPopularity[j];
    const a = 3 * j;
    features[o + F.itemItem] = itemItem[a];
    features[o + F.itemItemShare] = maxItemItem > 0 ? itemItem[a] / maxItemItem : 0;
    features[o + F.itemItemRank] = logRank[rank >= 0 ? rank : sizes.itemItem];
    features[o + F.itemItemSupport] = known > 0 ? itemItem[a + 1] / known : 0;
    features[o + F.itemItemStrongest] = maxItemItem > 0 ? itemItem[a + 2] / maxItemItem : 0;
    features[o + F.itemKnn] = itemKnn[a];
    features[o + F.itemKnnShare] = maxItemKnn > 0 ? itemKnn[a] / maxItemKnn : 0;
    features[o + F.userKnn] = userKnnScore[j];
    features[o + F.userKnnShare] = maxUserKnn > 0 ? userKnnScore[j] / maxUserKnn : 0;
    features[o + F.popularity] = popularity;
    features[o + F.trending] = logTrending[j];
    features[o + F.friends] = friendCount[j] === 0 ? 0 : Math.log1p(friendCount[j]);
    features[o + F.friendShare] = friends > 0 ? friendCount[j] / friends : 0;
    features[o + F.followees] = followeeCount[j] === 0 ? 0 : Math.log1p(followeeCount[j]);
    features[o + F.contentSimilarity] = profile.similarity(j);
    features[o + F.categoryAffinity] = profile.categoryAffinity(j);
    features[o + F.userActivity] = activity;
    features[o + F.userPopularity] = userPopularity;
    features[o + F.popularityGap] = popularity - userPopularity;
    features[o + F.ageDays] = logAge[j];
    features[o + F.hasAge] = age[j] === AGE_UNKNOWN ? 0 : 1;
    features[o + F.isNew] = age[j] === AGE_NEW ? 1 : 0;
  }
}

const AGE_UNKNOWN = 0;
const AGE_OLD = 1;
const AGE_NEW = 2;

/** The features that depend on the item alone, computed once per model (exactly as per candidate before). */
interface ItemConstants {
  /** log1p of the popularity count, in float64: the popularity gap is taken before rounding. */
  logPopularity: Float64Array;
  logTrending: Float32Array;
  logAge: Float32Array;
  /** AGE_UNKNOWN (no creation time), AGE_OLD or AGE_NEW (within freshDays). */
  age: Uint8Array;
  /** log1p(r) for an item-item rank r up to the item-item candidate count. */
  logRank: Float32Array;
}

function itemConstants(model: ItemModel, s: Scratch): ItemConstants {
  if (s.constants) return s.constants;
  const n = model.numItems;
  const { count: pop, trending } = model.popularity;
  const c: ItemConstants = {
    logPopularity: new Float64Array(n),
    logTrending: new Float32Array(n),
    logAge: new Float32Array(n),
    age: new Uint8Array(n),
    logRank: new Float32Array(model.config.candidates.itemItem + 1),
  };
  for (let j = 0; j < n; j++) {
    c.logPopularity[j] = Math.log1p(pop[j]);
    c.logTrending[j] = Math.log1p(trending[j]);
    const created = model.createdAt ? model.createdAt[j] : NaN;
    if (!Number.isNaN(created)) {
      const ageDays = Math.max(0, model.now - created) / SECONDS_PER_DAY;
      c.logAge[j] = Math.log1p(ageDays);
      c.age[j] = ageDays <= model.config.freshDays ? AGE_NEW : AGE_OLD;
    }
  }
  for (let r = 0; r < c.logRank.length; r++) c.logRank[r] = Math.log1p(r);
  s.constants = c;
  return c;
}

function selectContent(model: ItemModel, s: Scratch): void {
  const { mark, top, profile } = s;
  const { tagItems } = model.content;
    // Items under several of the top tags are pushed once per tag, as before.
    for (const t of profile.topTags(10)) {
      for (let p = tagItems.indptr[t]; p < tagItems.indptr[t + 1]; p++) {
        const j = tagItems.indices[p];
        if (mark[j] !== 0) continue;
        const value = profile.similarity(j);
        if (value > 0) top.content.push(j, value);
      }
    }
  top.content.drain();
  addAll(s, top.content);
}

function excludeAll(s: Scratch, list: ArrayLike<number> | undefined, n: number): void {
  if (!list) return;
  const { mark, marked } = s;
  for (let t = 0; t < list.length; t++) {
    const j = list[t];
    if (j >= 0 && j < n && mark[j] === 0) {
      mark[j] = 1;
      marked[s.markedSize++] = j;
    }
  }
}

/** `value` holds item j's value at stride * j. */
function selectPositive(top: TopK, value: Float32Array, stride: number, touched: Int32Array, size: number, mark: Uint8Array): TopK {
  for (let t = 0; t < size; t++) {
    const j = touched[t];
    const v = value[stride * j];
    if (mark[j] === 0 && v > 0) top.push(j, v);
  }
  top.drain();
  return top;
}

function add(s: Scratch, j: number): void {
  if (s.mark[j] !== 0) return;
  s.mark[j] = 2;
  s.marked[s.markedSize++] = j;
  s.items[s.count++] = j;
}

function addAll(s: Scratch, top: TopK): void {
  for (let t = 0; t < top.count; t++) add(s, top.indices[t]);
}

function addFirst(s: Scratch, order: Int32Array, count: number): void {
  let added = 0;
  for (let t = 0; t < order.length && added < count; t++) {
    if (s.mark[order[t]] === 0) {
      add(s, order[t]);
      added++;
    }
  }
}
