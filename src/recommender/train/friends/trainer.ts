/**
 * Training of the friend-suggestion model. The ranker learns from the training graph
 * alone: a fraction of its friendships is hidden, candidates and features are computed on
 * what is left, and the hidden friends are the positives. The finished model holds only
 * the candidate settings and ranker weights; features are recomputed from whatever graph
 * it serves, so the full training graph (or the live one) is used at scoring time.
 */
import { seededRng, shuffle } from '../../eval/rng';
import { CandidateConfig, CandidateFinder, DEFAULT_CANDIDATE_CONFIG, FEATURE_NAMES, NUM_FEATURES } from '../../friends/candidates';
import type { Csr } from '../../sparse';
import type { FriendTrainingData } from '../../friends/data';
import { prepareGraph } from '../../friends/graph';
import { FRIEND_MODEL_VERSION, type FriendModel, type FriendValidation } from '../../friends/model';
import { Ranker, scoreRows } from '../../friends/ranker';
import { DEFAULT_RANKER_OPTIONS, RankerOptions, RankerTrainingSet, trainRanker } from './ranker-train';
import { holdOutFriendships, mutualPairs } from './split';

export interface FriendTrainingOptions {
  seed: number;
  /** Share of the training friendships hidden to make positives. */
  validationFraction: number;
  /** Independent hides whose examples are pooled (more positives, less variance). */
  rounds: number;
  /** Users sampled (among those with hidden friends) to build ranker examples. */
  maxTrainingUsers: number;
  /** Share of sampled users kept back to measure FriendValidation. */
  validationUserFraction: number;
  candidates: CandidateConfig;
  /** Merged over DEFAULT_RANKER_OPTIONS. */
  ranker: Partial<Omit<RankerOptions, 'seed'>>;
  /**
   * A ranker (weights and standardisation) to continue training from instead of random
   * weights, for `epochs` epochs in place of ranker.epochs.
   */
  warmStart?: { ranker: Ranker; epochs: number };
}

/**
 * Epochs of a refit warm-started from the measured fit's ranker (pipeline.ts). Its graph is
 * the measured one plus the validation fifth, so a few epochs adapt the ranker to it: on
 * ego-Facebook (seed 17) served NDCG@10 0.6014 with 4 warm epochs against 0.5960 for 10
 * epochs from random weights, at 4/10 of the ranker's time.
 */
export const WARM_REFIT_EPOCHS = 4;

export const DEFAULT_FRIEND_TRAINING: FriendTrainingOptions = {
  seed: 1,
  validationFraction: 0.2,
  rounds: 1,
  maxTrainingUsers: 3000,
  validationUserFraction: 0.2,
  candidates: DEFAULT_CANDIDATE_CONFIG,
  ranker: DEFAULT_RANKER_OPTIONS,
};

/** `millis`, when given, receives the time of each part (examples, ranker, validation). */
export async function trainFriendModel(
  data: FriendTrainingData,
  options: Partial<FriendTrainingOptions> = {},
  millis: Record<string, number> = {},
): Promise<FriendModel> {
  const opts = { ...DEFAULT_FRIEND_TRAINING, ...options };
  let started = Date.now();
  const lap = (part: string) => {
    const now = Date.now();
    millis[part] = now - started;
    started = now;
  };
  const rng = seededRng(opts.seed);
  const n = data.numUsers;
  const [a, b] = mutualPairs(n, data.follows);
  const fitSets: RankerTrainingSet[] = [];
  let validation: FriendValidation | null = null;
  let validationFinder: CandidateFinder | null = null;
  let validationUsers: number[] = [];
  let validationHeldOut = new Map<number, Set<number>>();
  for (let round = 0; round < opts.rounds; round++) {
    const split = holdOutFriendships(n, a, b, opts.validationFraction, rng);
    const graph = prepareGraph({ ...data, follows: withoutHeldOut(n, data.follows, split.heldOut) });
    const finder = new CandidateFinder(graph, opts.candidates);
    const kept = new Set(validationUsers);
    const users = shuffle(
      [...split.heldOut.keys()].filter((u) => !kept.has(u)),
      rng,
    ).slice(0, opts.maxTrainingUsers);
    // The first round keeps some users back to measure the fitted ranker.
    const keptBack = round === 0 ? Math.round(users.length * opts.validationUserFraction) : 0;
    if (round === 0) {
      validationFinder = finder;
      validationUsers = users.slice(0, keptBack);
      validationHeldOut = split.heldOut;
    }
    fitSets.push(examples(finder, users.slice(keptBack), split.heldOut));
  }
  const fitSet = concatSets(fitSets);
  lap('examples');
  const rankerOptions = { ...DEFAULT_RANKER_OPTIONS, ...opts.ranker, seed: opts.seed };
  if (opts.warmStart) rankerOptions.epochs = opts.warmStart.epochs;
  const ranker = await trainRanker(fitSet, rankerOptions, opts.warmStart?.ranker);
  lap('ranker');
  validation = validate(ranker, validationFinder!, validationUsers, validationHeldOut);
  lap('validation');
  return {
    version: FRIEND_MODEL_VERSION,
    featureNames: [...FEATURE_NAMES],
    candidates: { ...opts.candidates },
    ranker,
    validation,
  };
}

/** The follow graph without either direction of the held-out friendships. */
function withoutHeldOut(n: number, follows: Csr, heldOut: Map<number, Set<number>>): Csr {
  const indptr = new Int32Array(n + 1);
  const indices = new Int32Array(follows.indices.length);
  let w = 0;
  for (let u = 0; u < n; u++) {
    const hidden = heldOut.get(u);
    for (let i = follows.indptr[u]; i < follows.indptr[u + 1]; i++) {
      if (!hidden?.has(follows.indices[i])) indices[w++] = follows.indices[i];
    }
    indptr[u + 1] = w;
  }
  return { indptr, indices: indices.slice(0, w) };
}

function examples(finder: CandidateFinder, users: number[], heldOut: Map<number, Set<number>>): RankerTrainingSet {
  const parts: Float32Array[] = [];
  const labels: number[] = [];
  const groupOffsets = [0];
  for (const u of users) {
    const set = finder.find(u);
    const positives = heldOut.get(u)!;
    parts.push(set.features);
    for (const v of set.candidates) labels.push(positives.has(v) ? 1 : 0);
    groupOffsets.push(labels.length);
  }
  const features = new Float32Array(labels.length * NUM_FEATURES);
  let at = 0;
  for (const part of parts) {
    features.set(part, at);
    at += part.length;
  }
  return {
    numFeatures: NUM_FEATURES,
    features,
    labels: Uint8Array.from(labels),
    groupOffsets: Int32Array.from(groupOffsets),
  };
}

function concatSets(sets: RankerTrainingSet[]): RankerTrainingSet {
  if (sets.length === 1) return sets[0];
  const rows = sets.reduce((sum, set) => sum + set.labels.length, 0);
  const features = new Float32Array(rows * NUM_FEATURES);
  const labels = new Uint8Array(rows);
  const groupOffsets = [0];
  let at = 0;
  for (const set of sets) {
    features.set(set.features, at * NUM_FEATURES);
    labels.set(set.labels, at);
    for (let g = 1; g < set.groupOffsets.length; g++) groupOffsets.push(at + set.groupOffsets[g]);
    at += set.labels.length;
  }
  return { numFeatures: NUM_FEATURES, features, labels, groupOffsets: Int32Array.from(groupOffsets) };
}

function validate(
  ranker: Ranker,
  finder: CandidateFinder,
  users: number[],
  heldOut: Map<number, Set<number>>,
): FriendValidation {
  let model = 0;
  let adamicAdar = 0;
  const aaColumn = FEATURE_NAMES.indexOf('logAdamicAdar');
  for (const u of users) {
    const set = finder.find(u);
    const positives = heldOut.get(u)!;
    const count = set.candidates.length;
    const scores = scoreRows(ranker, set.features, count);
    const aa = Float32Array.from({ length: count }, (_, c) => set.features[c * NUM_FEATURES + aaColumn]);
    const ideal = Math.min(10, positives.size);
    model += hitsAt10(set.candidates, scores, positives) / ideal;
    adamicAdar += hitsAt10(set.candidates, aa, positives) / ideal;
  }
  const denominator = Math.max(users.length, 1);
  return { users: users.length, recallAt10: model / denominator, adamicAdarRecallAt10: adamicAdar / denominator };
}

function hitsAt10(candidates: Int32Array, scores: Float32Array, positives: Set<number>): number {
  const order = Array.from(candidates.keys()).sort((x, y) => scores[y] - scores[x] || candidates[x] - candidates[y]);
  return order.slice(0, 10).filter((c) => positives.has(candidates[c])).length;
}
