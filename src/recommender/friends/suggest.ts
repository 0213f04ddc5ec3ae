/**
 * Serving: ranks one user's candidates from the current graph with a trained model. A
 * suggester binds an immutable FriendModel to one graph snapshot; make a new one when the
 * graph changes (prepareGraph is O(edges)). suggest() is synchronous and not re-entrant
 * per suggester, which is safe on one JS thread.
 */
import { rowHas, type Csr } from '../sparse';
import { FriendTrainingData } from './data';
import { CandidateFinder, CandidateSet, FEATURE_NAMES, NUM_FEATURES } from './candidates';
import { SocialGraph, prepareGraph } from './graph';
import type { FriendModel } from './model';
import { scoreOccluded, scoreRows } from './ranker';

export type FriendReasonKind = 'MUTUAL_FRIENDS' | 'SHARED_INTERESTS' | 'FOLLOWED_BY_YOUR_FRIENDS' | 'FOLLOWS_YOU' | 'POPULAR';

export interface FriendReason {
  kind: FriendReasonKind;
  /** Share of the explained score, 0..1; a suggestion's weights sum to 1. */
  weight: number;
}

export interface FriendSuggestion {
  user: number;
  score: number;
  /** Friends (mutual follows) of both, ascending index; all of them. */
  mutualFriends: number[];
  /** People the user follows who follow the candidate. */
  followedByFriends: number;
  interestSimilarity: number;
  reasons: FriendReason[];
}

export interface FriendSuggester {
  model: FriendModel;
  graph: SocialGraph;
  finder: CandidateFinder;
}

/** Users never to suggest in this call, on top of self, followed users and data.excluded. */
export type SuggestExclusion = ReadonlySet<number> | ((user: number) => boolean);

export function createFriendSuggester(model: FriendModel, data: FriendTrainingData | SocialGraph): FriendSuggester {
  const graph = 'neighbours' in data ? data : prepareGraph(data);
  return { model, graph, finder: new CandidateFinder(graph, model.candidates) };
}

/** The k best candidates, best first; fewer when the user's neighbourhood is smaller. Never throws for a valid index. */
export function suggest(suggester: FriendSuggester, user: number, k: number, exclude?: SuggestExclusion): FriendSuggestion[] {
  const { set, scores, order, firstSums } = rank(suggester, user, k, exclude);
  const friends = friendsOf(suggester.graph, user);
  return order.map((c) => ({
    user: set.candidates[c],
    score: scores[c],
    mutualFriends: intersectFriends(suggester.graph, friends, set.candidates[c]),
    followedByFriends: set.followedByFriends[c],
    interestSimilarity: set.interest[c],
    reasons: explain(suggester, set, c, scores[c], firstSums),
  }));
}

/**
 * What precomputed lists store of suggest()'s answer, the same values; it skips the mutual
 * friends, which a list does not keep and which cost a search per friend of the user.
 */
export function suggestForList(suggester: FriendSuggester, user: number, k: number): Pick<FriendSuggestion, 'user' | 'score' | 'reasons'>[] {
  const { set, scores, order, firstSums } = rank(suggester, user, k);
  return order.map((c) => ({ user: set.candidates[c], score: scores[c], reasons: explain(suggester, set, c, scores[c], firstSums) }));
}

/**
 * Each candidate's first-layer sums from scoring, for its explanation: grown as needed and
 * reused, since suggest() explains a user's candidates before it ranks anyone else.
 */
let firstSumsScratch = new Float64Array(0);

/**
 * The user's candidates, their scores and the positions of the k best, best first, with the
 * candidates' first-layer sums (valid until the next call).
 */
function rank(
  suggester: FriendSuggester,
  user: number,
  k: number,
  exclude?: SuggestExclusion,
): { set: CandidateSet; scores: Float32Array; order: number[]; firstSums: Float64Array } {
  const { graph, model, finder } = suggester;
  if (!Number.isInteger(user) || user < 0 || user >= graph.numUsers) throw new RangeError(`No user index ${user}`);
  const excludeFn = typeof exclude === 'function' ? exclude : exclude ? (v: number) => exclude.has(v) : undefined;
  const set = finder.find(user, excludeFn);
  const count = set.candidates.length;
  const needed = count * model.ranker.layers[0].outSize;
  if (firstSumsScratch.length < needed) firstSumsScratch = new Float64Array(Math.max(needed, 2 * firstSumsScratch.length));
  const firstSums = firstSumsScratch;
  const scores = scoreRows(model.ranker, set.features, count, firstSums);
  const order = Array.from({ length: count }, (_, c) => c)
    .sort((a, b) => scores[b] - scores[a] || set.candidates[a] - set.candidates[b])
    .slice(0, Math.max(0, k));
  return { set, scores, order, firstSums };
}

/** Scores for a whole candidate set (evaluation); aligned with set.candidates. */
export function scoreCandidates(model: FriendModel, set: CandidateSet): Float32Array {
  return scoreRows(model.ranker, set.features, set.candidates.length);
}

/**
 * Reasons by occlusion: each group's features are set to the training mean (a
 * standardised 0) and the score drop is that group's contribution. Only groups whose
 * signal is present and whose contribution is positive become reasons; with none, the
 * suggestion is explained as POPULAR.
 */
const REASON_FEATURES: Record<Exclude<FriendReasonKind, 'POPULAR'>, readonly (typeof FEATURE_NAMES)[number][]> = {
  MUTUAL_FRIENDS: [
    'logCommon',
    'logAdamicAdar',
    'logResourceAllocation',
    'jaccard',
    'commonOverCandidateDegree',
    'commonOverUserDegree',
    'adamicAdarOverMax',
    'logRankAdamicAdar',
    'logPpr',
    'logPprOverDegree',
    'pprOverMax',
    'logRankPpr',
    'logPaths3',
    'logL3',
    'logCircleCommon',
    'logCircleShare',
  ],
  SHARED_INTERESTS: ['interestCosine', 'logRankInterest', 'candidateHasInterests'],
  FOLLOWED_BY_YOUR_FRIENDS: ['logFollowedByFriends'],
  FOLLOWS_YOU: ['candidateFollowsUser'],
};

type ReasonGroup = keyof typeof REASON_FEATURES;
const REASON_GROUPS = Object.keys(REASON_FEATURES) as ReasonGroup[];
/** Each group's feature columns, resolved once rather than per explained candidate. */
const REASON_COLUMNS = REASON_GROUPS.map((kind) => REASON_FEATURES[kind].map((name) => FEATURE_NAMES.indexOf(name)));
const FOLLOWS_YOU_COLUMN = FEATURE_NAMES.indexOf('candidateFollowsUser');

function explain(suggester: FriendSuggester, set: CandidateSet, c: number, score: number, firstSums: Float64Array): FriendReason[] {
  const { ranker } = suggester.model;
  const row = set.features.subarray(c * NUM_FEATURES, (c + 1) * NUM_FEATURES);
  const present: Record<ReasonGroup, boolean> = {
    MUTUAL_FRIENDS: set.common[c] > 0,
    SHARED_INTERESTS: set.interest[c] > 0,
    // In an all-mutual graph this equals the mutual friends; it is a reason only beyond them.
    FOLLOWED_BY_YOUR_FRIENDS: set.followedByFriends[c] > set.common[c],
    FOLLOWS_YOU: row[FOLLOWS_YOU_COLUMN] === 1,
  };
  const groups = REASON_GROUPS.flatMap((kind, g) => (present[kind] ? [g] : []));
  const occludedScores = scoreOccluded(
    ranker,
    set.features,
    c * NUM_FEATURES,
    groups.map((g) => REASON_COLUMNS[g]),
    firstSums,
    c * ranker.layers[0].outSize,
  );
  const reasons: FriendReason[] = [];
  groups.forEach((g, i) => {
    const drop = score - occludedScores[i];
    if (drop > 0) reasons.push({ kind: REASON_GROUPS[g], weight: drop });
  });
  const total = reasons.reduce((sum, r) => sum + r.weight, 0);
  if (total <= 0) return [{ kind: 'POPULAR', weight: 1 }];
  return reasons.map((r) => ({ kind: r.kind, weight: r.weight / total })).sort((a, b) => b.weight - a.weight);
}

/**
 * Friends of both (mutual follows on each side): those of `friends` (the user's, from
 * friendsOf) who are friends of `other` too, ascending. Binary searches in `other`'s rows,
 * so a candidate with many followers costs no set of them.
 */
export function intersectFriends(graph: SocialGraph, friends: Int32Array, other: number): number[] {
  const mutualGraph = graph.follows === graph.neighbours;
  const out: number[] = [];
  for (const w of friends) {
    if (rowHas(graph.follows, other, w) && (mutualGraph || rowHas(graph.follows, w, other))) out.push(w);
  }
  return out;
}

/** The user's friends (followed and following back), ascending. */
export function friendsOf(graph: SocialGraph, user: number): Int32Array {
  const row = (csr: Csr) => csr.indices.subarray(csr.indptr[user], csr.indptr[user + 1]);
  const out = row(graph.follows);
  if (graph.follows === graph.neighbours) return out;
  const followers = new Set(row(graph.followers));
  return out.filter((v) => followers.has(v));
}
