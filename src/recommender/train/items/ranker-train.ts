/**
 * Trains the ranker with TensorFlow.js: an MLP with a linear skip, scored pointwise (sigmoid
 * cross-entropy per candidate: ranking by P(relevant) is what maximises expected Recall@K),
 * Adam, early stopping on ranking quality of users set aside from the examples, and a
 * significance gate against the plain item-item order. Each epoch sees
 * every positive and a fresh uniform sample of negatives; uniform sampling only shifts the
 * logit by a constant, so the ranking it learns is unchanged while epochs stay cheap.
 */
import type * as Tf from '@tensorflow/tfjs';

import { seededRng, shuffle, type Rng } from '../../eval/rng';
import { loadTf } from '../../tf-backend';
import { F } from '../../items/features';
import type { RankerSettings } from '../../items/model';
import { scoreCandidates, type RankerWeights } from '../../items/ranker';
import { trainableMatMul } from '../matmul';

export interface RankerExample {
  /** count x numFeatures. */
  features: Float32Array;
  /** 1 for candidates that are validation positives. */
  labels: Uint8Array;
}

export type RankerTrainConfig = RankerSettings & { seed: number };

export interface RankerTrainResult {
  weights: RankerWeights;
  backend: string;
  /** The epoch whose weights are returned; 0 = the item-item order (training did not help). */
  bestEpoch: number;
  /** Stopping-set quality per evaluated epoch (see stoppingQuality); the first is the item-item order. */
  qualityByEpoch: number[];
  /** Paired t statistic of the best epoch against epoch 0 on the stopping users. */
  improvementT: number;
  /** The starting weights: the item-item order, what serves when the ranker is not used. */
  itemItemOrder: RankerWeights;
}

/** A trained epoch replaces the item-item order only when its gain is this many standard errors. */
const MIN_IMPROVEMENT_T = 2;

export async function trainRanker(
  examples: RankerExample[],
  numFeatures: number,
  config: RankerTrainConfig,
  onEpoch?: (epoch: number, trainLoss: number, stoppingRecall: number) => void,
): Promise<RankerTrainResult> {
  const { tf, backend } = await loadTf();
  const rng = seededRng(config.seed);
  const useful = shuffle(examples.filter((e) => e.labels.includes(1)), rng);
  const stopping = useful.slice(0, Math.max(1, Math.round(useful.length * 0.25)));
  const pool = flatten(useful.slice(stopping.length), numFeatures);
  const hidden = Math.max(1, config.hidden);

  // Start from the item-item order (a weight on its normalised score, the MLP's output layer
  // at zero) so training refines a known-good ranking and epoch 0 is a real fallback.
  const start = new Float32Array(numFeatures);
  start[F.itemItemShare] = 3;
  const rate = Math.min(0.5, Math.max(1e-4, pool.positives.length / Math.max(1, pool.labels.length)));
  const w1 = tf.variable(tf.randomNormal([numFeatures, hidden], 0, Math.sqrt(2 / numFeatures), 'float32', config.seed));
  const b1 = tf.variable(tf.zeros([hidden]));
  const w2 = tf.variable(tf.zeros([hidden, 1]), config.hidden > 0);
  const b2 = tf.variable(tf.tensor1d([Math.log(rate / (1 - rate))]));
  const linear = tf.variable(tf.tensor2d(start, [numFeatures, 1]));
  const optimizer = tf.train.adam(config.learningRate);
  const matMul = trainableMatMul(tf);
  const snapshot = (): RankerWeights => ({
    numFeatures,
    hidden,
    mean: pool.mean,
    std: pool.std,
    w1: Float32Array.from(w1.dataSync()),
    b1: Float32Array.from(b1.dataSync()),
    w2: Float32Array.from(w2.dataSync()),
    b2: b2.dataSync()[0],
    linear: Float32Array.from(linear.dataSync()),
  });

  // The stopping users are scored every evaluated epoch: in one batched product on the
  // variables (float32), not candidate by candidate in TypeScript, which was most of training.
  const stoppingZ = standardised(stopping, numFeatures, pool.mean, pool.std);
  const stoppingX = tf.tensor2d(stoppingZ, [stoppingZ.length / numFeatures, numFeatures]);
  const scoreStopping = () => {
    const logits = tf.tidy(() => tf.relu(stoppingX.matMul(w1).add(b1)).matMul(w2).add(stoppingX.matMul(linear)).add(b2));
    const scores = logits.dataSync() as Float32Array;
    logits.dispose();
    return qualityOfScores(stopping, scores);
  };
  const initial = snapshot();
  const initialPerUser = scoreStopping();
  let best = initial;
  let bestPerUser = initialPerUser;
  let bestQuality = mean(initialPerUser);
  let bestEpoch = 0;
  const qualityByEpoch = [bestQuality];
  for (let epoch = 1; epoch <= config.epochs; epoch++) {
    let lossSum = 0;
    let lossRows = 0;
    for (const batch of batches(pool, config, rng)) {
      const loss = tf.tidy((): Tf.Scalar => {
        const x = tf.tensor2d(batch.xs, [batch.rows, numFeatures]);
        const y = tf.tensor2d(batch.ys, [batch.rows, 1]);
        return optimizer.minimize(() => {
          const logits = matMul(tf.relu(matMul(x, w1).add(b1)), w2).add(matMul(x, linear)).add(b2);
          // sigmoid cross-entropy, stably: relu(z) - y z + log(1 + e^-|z|)
          const ce = logits.relu().sub(logits.mul(y)).add(logits.abs().neg().exp().log1p()).mean();
          return ce.add(w1.square().sum().mul(config.l2)).asScalar();
        }, true)!;
      });
      lossSum += loss.dataSync()[0] * batch.rows;
      lossRows += batch.rows;
      loss.dispose();
    }
    // Early stopping chooses among every evaluateEvery-th epoch (scoring once cost as much as an epoch).
    if (epoch % config.evaluateEvery !== 0 && epoch !== config.epochs) continue;
    const perUser = scoreStopping();
    const quality = mean(perUser);
    qualityByEpoch.push(quality);
    onEpoch?.(epoch, lossSum / Math.max(1, lossRows), quality);
    if (quality > bestQuality) {
      best = snapshot();
      bestPerUser = perUser;
      bestQuality = quality;
      bestEpoch = epoch;
    } else if (epoch >= config.minEpochs && epoch - bestEpoch >= config.patience) {
      break;
    }
  }
  optimizer.dispose();
  [w1, b1, w2, b2, linear, stoppingX].forEach((v) => v.dispose());
  // The best of many epochs on a small set flatters itself: keep the item-item order unless
  // the gain is clearly more than noise.
  const improvementT = pairedT(bestPerUser, initialPerUser);
  if (bestEpoch > 0 && improvementT < MIN_IMPROVEMENT_T) return { weights: initial, backend, bestEpoch: 0, qualityByEpoch, improvementT, itemItemOrder: initial };
  return { weights: best, backend, bestEpoch, qualityByEpoch, improvementT, itemItemOrder: initial };
}

function mean(values: Float64Array): number {
  return values.length ? values.reduce((a, v) => a + v, 0) / values.length : 0;
}

function pairedT(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  if (n < 2) return 0;
  const d = a.map((v, i) => v - b[i]);
  const m = mean(d);
  const variance = d.reduce((s, v) => s + (v - m) ** 2, 0) / (n - 1);
  return variance > 0 ? m / Math.sqrt(variance / n) : m > 0 ? Infinity : 0;
}

interface Batch {
  /** rows x numFeatures standardised features. */
  xs: Float32Array;
  ys: Float32Array;
  rows: number;
}

/** Every positive and a fresh sample of negatives, shuffled, in batches. */
function* batches(pool: RowPool, config: RankerTrainConfig, rng: Rng): Generator<Batch> {
  const rows = sampleRows(pool, config.rowsPerEpoch, rng);
  const { numFeatures: f, z, labels } = pool;
  // One pair of buffers for every batch: a batch's tensors are used up before the next is filled.
  const xsAll = new Float32Array(Math.min(rows.length, config.batchRows) * f);
  const ysAll = new Float32Array(Math.min(rows.length, config.batchRows));
  for (let at = 0; at < rows.length; at += config.batchRows) {
    const batch = rows.subarray(at, at + config.batchRows);
    const xs = xsAll.subarray(0, batch.length * f);
    const ys = ysAll.subarray(0, batch.length);
    // Copied element by element: a subarray per row cost more than the copy (rows are ~30 floats).
    for (let b = 0, out = 0; b < batch.length; b++) {
      const r = batch[b];
      for (let from = r * f, end = from + f; from < end; from++) xs[out++] = z[from];
      ys[b] = labels[r];
    }
    yield { xs, ys, rows: batch.length };
  }
}

interface RowPool {
  numFeatures: number;
  /** Standardised features, row-major. */
  z: Float32Array;
  labels: Uint8Array;
  positives: Int32Array;
  negatives: Int32Array;
  mean: Float32Array;
  std: Float32Array;
}

/** The examples' candidates one after another, standardised by `mean` and `std`. */
function standardised(examples: RankerExample[], numFeatures: number, mean: Float32Array, std: Float32Array): Float32Array {
  const z = new Float32Array(examples.reduce((a, e) => a + e.labels.length, 0) * numFeatures);
  let at = 0;
  for (const e of examples) {
    z.set(e.features, at);
    at += e.features.length;
  }
  standardiseInPlace(z, mean, std);
  return z;
}

/** (v - mean) / std per feature of row-major `z`, in float32 as the features are. */
function standardiseInPlace(z: Float32Array, mean: Float32Array, std: Float32Array): void {
  const f = mean.length;
  for (let at = 0; at < z.length; at += f) for (let c = 0; c < f; c++) z[at + c] = (z[at + c] - mean[c]) / std[c];
}

function flatten(examples: RankerExample[], numFeatures: number): RowPool {
  const total = examples.reduce((a, e) => a + e.labels.length, 0);
  const raw = new Float32Array(total * numFeatures);
  const labels = new Uint8Array(total);
  let at = 0;
  for (const e of examples) {
    raw.set(e.features, at * numFeatures);
    labels.set(e.labels, at);
    at += e.labels.length;
  }
  // Row by row (the matrix is row-major): one pass for the sums, one to standardise.
  const sum = new Float64Array(numFeatures);
  const sq = new Float64Array(numFeatures);
  for (let r = 0, at = 0; r < total; r++) {
    for (let f = 0; f < numFeatures; f++, at++) {
      const v = raw[at];
      sum[f] += v;
      sq[f] += v * v;
    }
  }
  const mean = new Float32Array(numFeatures);
  const std = new Float32Array(numFeatures);
  for (let f = 0; f < numFeatures; f++) {
    mean[f] = total ? sum[f] / total : 0;
    const variance = total ? sq[f] / total - mean[f] ** 2 : 0;
    std[f] = variance > 1e-12 ? Math.sqrt(variance) : 1;
  }
  standardiseInPlace(raw, mean, std);
  const positives: number[] = [];
  const negatives: number[] = [];
  labels.forEach((l, r) => (l ? positives : negatives).push(r));
  return { numFeatures, z: raw, labels, positives: Int32Array.from(positives), negatives: Int32Array.from(negatives), mean, std };
}

/** Every positive plus uniformly sampled negatives up to `target` rows, shuffled. */
function sampleRows(pool: RowPool, target: number, rng: Rng): Int32Array {
  const wanted = Math.max(0, Math.min(pool.negatives.length, target - pool.positives.length));
  const rows = new Int32Array(pool.positives.length + pool.negatives.length);
  rows.set(pool.positives);
  let size = pool.positives.length;
  const rate = wanted / Math.max(1, pool.negatives.length);
  for (let n = 0; n < pool.negatives.length; n++) if (rng() < rate) rows[size++] = pool.negatives[n];
  return shuffle(rows.subarray(0, size), rng);
}

/**
 * Per user, the mean of Recall@10, NDCG@10, Recall@20 and NDCG@20 among its candidates
 * (the protocol's definitions with the candidates' positives as the held-out set).
 */
export function stoppingQuality(examples: RankerExample[], weights: RankerWeights): Float64Array {
  const scores = new Float64Array(examples.reduce((a, e) => a + e.labels.length, 0));
  let at = 0;
  for (const e of examples) {
    scoreCandidates(weights, e.features, e.labels.length, scores.subarray(at));
    at += e.labels.length;
  }
  return qualityOfScores(examples, scores);
}

/** stoppingQuality given every candidate's score, the examples' candidates one after another. */
function qualityOfScores(examples: RankerExample[], all: Float32Array | Float64Array): Float64Array {
  // Only the first 20 of each ranking count: they are selected, not the whole list sorted.
  const top = new Int32Array(20);
  let at = 0;
  return Float64Array.from(examples, (e) => {
    const count = e.labels.length;
    const start = at;
    at += count;
    const scores = all.subarray(start, at);
    const kept = rankedHead(scores, top);
    const positives = e.labels.reduce((a, l) => a + l, 0);
    let total = 0;
    for (const k of [10, 20]) {
      let hits = 0;
      let dcg = 0;
      let idcg = 0;
      for (let r = 0; r < Math.min(k, kept); r++) {
        hits += e.labels[top[r]];
        dcg += e.labels[top[r]] / Math.log2(r + 2);
      }
      for (let r = 0; r < Math.min(k, positives); r++) idcg += 1 / Math.log2(r + 2);
      total += hits / Math.min(k, positives) + dcg / idcg;
    }
    return total / 4;
  });
}

/**
 * The first top.length candidates by score, higher first and then lower index (the order a
 * full sort by that rule gives), into `top`; returns how many there are.
 */
function rankedHead(scores: Float32Array | Float64Array, top: Int32Array): number {
  let size = 0;
  for (let c = 0; c < scores.length; c++) {
    const s = scores[c];
    // A later candidate goes after every kept one it does not beat strictly.
    if (size === top.length && !(s > scores[top[size - 1]])) continue;
    let r = Math.min(size, top.length - 1);
    while (r > 0 && s > scores[top[r - 1]]) {
      top[r] = top[r - 1];
      r--;
    }
    top[r] = c;
    if (size < top.length) size++;
  }
  return size;
}
