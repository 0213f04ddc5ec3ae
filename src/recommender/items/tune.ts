/**
 * Hyperparameter choice for the item-item model on a validation split carved out of the
 * training pairs (never the held-out ones): each candidate setting is fitted on the rest and
 * scored by item-item-only rankings of the validation items.
 */
import { MetricsAccumulator, topK } from '../eval/metrics';
import { buildInteractions, type ItemTrainingData } from './data';
import { carveValidation, fitItemItem, resolveConfig, resolveItemItem, type ItemModelConfig, type ItemModelConfigInput } from './model';
import { accumulate, type NeighbourLists } from './neighbours';

export interface TuningTrial {
  setting: Record<string, number>;
  /** Mean of Recall@10, NDCG@10, Recall@20 and NDCG@20: smoother than any one of them. */
  objective: number;
  recall10: number;
  millis: number;
}

export interface TuningResult {
  /** The input config with the chosen values. */
  config: ItemModelConfig;
  kind: 'ease' | 'cosine' | 'rp3beta';
  trials: TuningTrial[];
}

const LAMBDAS = [50, 100, 200, 400, 800, 1600];
const BETAS = [0.2, 0.35, 0.5, 0.65];
const SHRINKS = [0, 10, 50];
const MAX_EXTENSIONS = 4;

export function tuneItemItem(data: ItemTrainingData, input: ItemModelConfigInput = {}): TuningResult {
  const base = resolveConfig(input);
  const { fit, validation } = carveValidation(data, base.seed, base.validation);
  const x = buildInteractions(fit);
  const { kind } = resolveItemItem(x, base);
  const trial = (setting: Record<string, number>): TuningTrial => {
    const start = Date.now();
    const { lists } = fitItemItem(x, data.numItems, { ...base, itemItem: { ...base.itemItem, ...setting } });
    return { setting, ...score(lists, x.byUser, validation, data.numItems), millis: Date.now() - start };
  };
  const name = kind === 'ease' ? 'lambda' : kind === 'rp3beta' ? 'beta' : 'shrink';
  const grid = kind === 'ease' ? LAMBDAS : kind === 'rp3beta' ? BETAS : SHRINKS;
  const trials = grid.map((value) => trial({ [name]: value }));
  // lambda has no natural range: while the best is at an edge of the grid, extend it (x2 or /2).
  for (let step = 0; kind === 'ease' && step < MAX_EXTENSIONS; step++) {
    const values = trials.map((t) => t.setting.lambda);
    const best = trials.reduce((a, b) => (b.objective > a.objective ? b : a)).setting.lambda;
    if (best === Math.max(...values)) trials.push(trial({ lambda: best * 2 }));
    else if (best === Math.min(...values)) trials.unshift(trial({ lambda: best / 2 }));
    else break;
  }
  const best = trials.reduce((a, b) => (b.objective > a.objective ? b : a));
  // Used as is on the full data: like a ridge prior's precision, lambda need not grow with the data.
  const chosen = { ...base.itemItem, ...best.setting };
  return { config: { ...base, itemItem: { ...chosen, kind } }, kind, trials };
}

function score(
  lists: NeighbourLists,
  byUser: { indptr: Int32Array; indices: Int32Array },
  validation: Map<number, Set<number>>,
  numItems: number,
): { objective: number; recall10: number } {
  const acc = new MetricsAccumulator([10, 20], numItems);
  const scores = new Float32Array(numItems);
  for (const [u, held] of validation) {
    scores.fill(0);
    const history = byUser.indices.subarray(byUser.indptr[u], byUser.indptr[u + 1]);
    accumulate(lists, history, undefined, scores);
    for (const i of history) scores[i] = -Infinity;
    acc.add(topK(scores, 20), held);
  }
  const r = acc.result();
  return { objective: (r.recall[10] + r.ndcg[10] + r.recall[20] + r.ndcg[20]) / 4, recall10: r.recall[10] };
}
