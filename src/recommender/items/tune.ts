/**
 * Hyperparameter choice for the item-item model on a validation split carved out of the
 * training pairs (never the held-out ones): each candidate setting is fitted on the rest and
 * scored by NDCG@10 of item-item-only rankings of the validation items.
 */
import { MetricsAccumulator, topK } from '../eval/metrics';
import { buildInteractions, type ItemTrainingData } from './data';
import { fitEase } from './ease';
import { fitItemKnn } from './itemknn';
import { carveValidation, resolveConfig, resolveItemItemKind, type ItemModelConfig, type ItemModelConfigInput } from './model';
import { accumulate, type NeighbourLists } from './neighbours';

export interface TuningTrial {
  setting: Record<string, number>;
  recall10: number;
  ndcg10: number;
  millis: number;
}

export interface TuningResult {
  /** The input config with the chosen values, rescaled to the full data where they depend on its size. */
  config: ItemModelConfig;
  kind: 'ease' | 'cosine' | 'rp3beta';
  trials: TuningTrial[];
}

const LAMBDAS = [50, 100, 200, 400, 800, 1600];
const BETAS = [0.2, 0.35, 0.5, 0.65];
const SHRINKS = [0, 10, 50];

export function tuneItemItem(data: ItemTrainingData, input: ItemModelConfigInput = {}): TuningResult {
  const base = resolveConfig(input);
  const { fit, validation } = carveValidation(data, base.seed);
  const x = buildInteractions(fit);
  const kind = resolveItemItemKind(x, base);
  const settings: Record<string, number>[] =
    kind === 'ease'
      ? LAMBDAS.map((lambda) => ({ lambda }))
      : kind === 'rp3beta'
        ? BETAS.map((beta) => ({ beta }))
        : SHRINKS.map((shrink) => ({ shrink }));
  const trials = settings.map((setting) => {
    const start = Date.now();
    const ii = { ...base.itemItem, ...setting };
    const lists =
      kind === 'ease'
        ? fitEase(x, data.numItems, ii)
        : fitItemKnn(x, data.numItems, { similarity: kind, neighbours: ii.neighbours, shrink: ii.shrink, beta: ii.beta });
    const metrics = score(lists, x.byUser, validation, data.numItems);
    return { setting, ...metrics, millis: Date.now() - start };
  });
  const best = trials.reduce((a, b) => (b.ndcg10 > a.ndcg10 ? b : a));
  const chosen = { ...base.itemItem, ...best.setting };
  // EASE's regulariser is on the scale of X^T X, which grows with the number of positives.
  if (kind === 'ease') chosen.lambda = best.setting.lambda * (countPositives(data) / countPositives(fit));
  return { config: { ...base, itemItem: { ...chosen, kind } }, kind, trials };
}

function score(
  lists: NeighbourLists,
  byUser: { indptr: Int32Array; indices: Int32Array },
  validation: Map<number, Set<number>>,
  numItems: number,
): { recall10: number; ndcg10: number } {
  const acc = new MetricsAccumulator([10], numItems);
  const scores = new Float32Array(numItems);
  for (const [u, held] of validation) {
    scores.fill(0);
    const history = byUser.indices.subarray(byUser.indptr[u], byUser.indptr[u + 1]);
    accumulate(lists, history, undefined, scores);
    for (const i of history) scores[i] = -Infinity;
    acc.add(topK(scores, 10), held);
  }
  const r = acc.result();
  return { recall10: r.recall[10], ndcg10: r.ndcg[10] };
}

function countPositives(data: ItemTrainingData): number {
  let n = 0;
  for (const w of data.weights) if (w > 0) n++;
  return n;
}
