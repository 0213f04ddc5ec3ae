/**
 * The friends protocol of EVALUATION.md: hold out 20% of the undirected friendships
 * (seeded), rank every user who is not already a training friend for each user with a
 * held-out friend, report Recall@K and NDCG@K for the reference baselines and the model.
 */
import type { DatasetName } from '../../../datasets/types';
import { topK } from '../../top-k';
import { MetricsAccumulator } from '../metrics';
import type { EvalRow, EvalTable } from '../report';
import { seededRng } from '../rng';
import { BaselineScorer, degreePopularity, neighbourhoodOverlap, personalizedPageRank } from './baselines';
import { FriendTrainingData } from '../../friends/data';
import { SocialGraph, prepareGraph } from '../../friends/graph';
import { FriendGraphInput, loadFriendGraph } from './load';
import { FriendTrainingOptions, trainFriendModel } from '../../train/friends/trainer';
import { createFriendSuggester, scoreCandidates } from '../../friends/suggest';
import { holdOutFriendships } from '../../train/friends/split';
import { rowHas } from '../../sparse';

export interface FriendsEvaluationOptions {
  dataset: DatasetName;
  dir?: string;
  seed: number;
  ks: number[];
  /** Overrides of the model's training options (experiments). */
  training?: Partial<FriendTrainingOptions>;
}

export const HELD_OUT_FRACTION = 0.2;
/** Restart probability and push threshold of the PPR baseline (near-exact at 1e-6). */
const PPR_BASELINE = { alpha: 0.3, epsilon: 1e-6 };

export async function runFriendsEvaluation(opts: FriendsEvaluationOptions): Promise<EvalTable> {
  const input = await loadFriendGraph(opts.dataset, opts.dir);
  return evaluateFriendGraph(input, opts.dataset, opts);
}

/** The protocol on an already loaded graph (synthetic graphs in tests). */
export async function evaluateFriendGraph(
  input: FriendGraphInput,
  name: string,
  opts: Pick<FriendsEvaluationOptions, 'seed' | 'ks' | 'training'>,
): Promise<EvalTable> {
  const split = holdOutFriendships(input.numUsers, input.edgeA, input.edgeB, HELD_OUT_FRACTION, seededRng(opts.seed));
  const data: FriendTrainingData = { numUsers: input.numUsers, follows: split.follows, interactions: input.interactions };
  const graph = prepareGraph(data);
  const ks = [...opts.ks].sort((a, b) => a - b);
  const maxK = ks[ks.length - 1];

  const rows: EvalRow[] = [];
  const baselines = [
    degreePopularity(graph),
    neighbourhoodOverlap(graph, false),
    neighbourhoodOverlap(graph, true),
    personalizedPageRank(graph, PPR_BASELINE.alpha, PPR_BASELINE.epsilon),
  ];
  for (const baseline of baselines) rows.push(evaluateBaseline(baseline, graph, split.heldOut, ks, maxK));

  const started = Date.now();
  const cpuBefore = process.cpuUsage();
  const model = await trainFriendModel(data, { seed: opts.seed, ...opts.training });
  const trainMs = Date.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const trainCpuSeconds = (cpu.user + cpu.system) / 1e6;
  const suggester = createFriendSuggester(model, data);
  const scoringStarted = Date.now();
  const accumulator = new MetricsAccumulator(ks, graph.numUsers);
  for (const [user, heldOut] of split.heldOut) {
    const set = suggester.finder.find(user);
    const scores = scoreCandidates(model, set);
    const ranked = Array.from(set.candidates.keys())
      .sort((a, b) => scores[b] - scores[a] || set.candidates[a] - set.candidates[b])
      .slice(0, maxK)
      .map((c) => set.candidates[c]);
    if (ranked.length < maxK) {
      // Beyond the candidates every other user is still ranked: by degree, as a fallback.
      const taken = new Set(ranked);
      const rest = topK(graph.degree, maxK - ranked.length, (v) => taken.has(v) || isKnown(graph, user, v));
      ranked.push(...rest);
    }
    accumulator.add(ranked, heldOut);
  }
  const result = accumulator.result();
  const v = model.validation;
  rows.push({
    model: 'Learned ranker (TF.js MLP on graph + interest features)',
    recall: result.recall,
    ndcg: result.ndcg,
    trainMs,
    note:
      `training CPU ${trainCpuSeconds.toFixed(1)} s; ` +
      `validation R@10 ${v.recallAt10.toFixed(4)} vs Adamic-Adar ${v.adamicAdarRecallAt10.toFixed(4)} ` +
      `on ${v.users} users; scoring ${((Date.now() - scoringStarted) / split.heldOut.size).toFixed(2)} ms/user`,
  });

  return {
    dataset: name,
    task: 'friends',
    split: `random ${HELD_OUT_FRACTION * 100}% of friendships`,
    seed: opts.seed,
    ks,
    sizes: {
      users: input.numUsers,
      friendships: input.edgeA.length,
      train: split.kept,
      heldOut: split.held,
      evalUsers: split.heldOut.size,
    },
    rows,
  };
}

function isKnown(graph: SocialGraph, user: number, other: number): boolean {
  return other === user || rowHas(graph.follows, user, other);
}

function evaluateBaseline(
  baseline: BaselineScorer,
  graph: SocialGraph,
  heldOutByUser: Map<number, Set<number>>,
  ks: number[],
  maxK: number,
): EvalRow {
  const started = Date.now();
  const accumulator = new MetricsAccumulator(ks, graph.numUsers);
  const scores = new Float64Array(graph.numUsers);
  for (const [user, heldOut] of heldOutByUser) {
    baseline.score(user, scores);
    accumulator.add(
      topK(scores, maxK, (v) => isKnown(graph, user, v)),
      heldOut,
    );
  }
  const result = accumulator.result();
  return {
    model: baseline.name,
    recall: result.recall,
    ndcg: result.ndcg,
    trainMs: 0,
    note: `scoring ${((Date.now() - started) / heldOutByUser.size).toFixed(2)} ms/user`,
  };
}
