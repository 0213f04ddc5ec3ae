/**
 * Trains the ranker with TensorFlow.js: one softmax over each user's candidates (a listwise
 * loss: the held-out items should take the probability mass), an MLP with a linear skip,
 * Adam, and early stopping on Recall@10 of users set aside from the examples.
 */
import type * as Tf from '@tensorflow/tfjs';

import { loadTf } from '../tf-backend';
import { seededRng, shuffle } from '../eval/rng';
import { F } from './features';
import { rankerScore, type RankerWeights } from './ranker';

export interface RankerExample {
  /** count x numFeatures. */
  features: Float32Array;
  /** 1 for candidates that are validation positives. */
  labels: Uint8Array;
}

export interface RankerTrainConfig {
  /**
   * pointwise: sigmoid cross-entropy per candidate; ranking by P(relevant) is what maximises
   * expected Recall@K. listwise: one softmax per user over its candidates.
   */
  loss: 'pointwise' | 'listwise';
  hidden: number;
  epochs: number;
  learningRate: number;
  batchUsers: number;
  l2: number;
  seed: number;
}

export interface RankerTrainResult {
  weights: RankerWeights;
  backend: string;
  bestEpoch: number;
  /** Recall@10 (among candidates) of the early-stopping users, per epoch; epoch 0 = initial weights. */
  recallByEpoch: number[];
}

export async function trainRanker(
  examples: RankerExample[],
  numFeatures: number,
  config: RankerTrainConfig,
  onEpoch?: (epoch: number, trainLoss: number, stoppingRecall: number) => void,
): Promise<RankerTrainResult> {
  const { tf, backend } = await loadTf();
  const useful = examples.filter((e) => e.labels.some((l) => l === 1));
  const rng = seededRng(config.seed);
  shuffle(useful, rng);
  const holdCount = Math.max(1, Math.round(useful.length * 0.15));
  const stopping = useful.slice(0, holdCount);
  const training = useful.slice(holdCount);
  const { mean, std } = moments(training, numFeatures);
  const width = Math.max(1, ...training.map((e) => e.labels.length));

  // Start from the item-item order (a linear weight on its normalised score, the MLP's
  // output layer at zero) so training refines a known-good ranking instead of a random one.
  const hidden = Math.max(1, config.hidden);
  const w1 = tf.variable(tf.randomNormal([numFeatures, hidden], 0, Math.sqrt(2 / numFeatures), 'float32', config.seed));
  const b1 = tf.variable(tf.zeros([hidden]));
  const w2 = tf.variable(tf.zeros([hidden, 1]), config.hidden > 0);
  const rate = positiveRate(training);
  const b2 = tf.variable(tf.tensor1d([config.loss === 'pointwise' ? Math.log(rate / (1 - rate)) : 0]));
  const start = new Float32Array(numFeatures);
  start[F.itemItemShare] = 3;
  const linear = tf.variable(tf.tensor2d(start, [numFeatures, 1]));
  const optimizer = tf.train.adam(config.learningRate);

  const snapshot = (): RankerWeights => ({
    numFeatures,
    hidden,
    mean,
    std,
    w1: Float32Array.from(w1.dataSync()),
    b1: Float32Array.from(b1.dataSync()),
    w2: Float32Array.from(w2.dataSync()),
    b2: b2.dataSync()[0],
    linear: Float32Array.from(linear.dataSync()),
  });
  let best = snapshot();
  let bestRecall = recallAt10(stopping, best);
  let bestEpoch = 0;
  const recallByEpoch = [bestRecall];
  const xs = new Float32Array(config.batchUsers * width * numFeatures);
  const ys = new Float32Array(config.batchUsers * width);
  const mask = new Float32Array(config.batchUsers * width);
  for (let epoch = 1; epoch <= config.epochs; epoch++) {
    shuffle(training, rng);
    let lossSum = 0;
    for (let start = 0; start < training.length; start += config.batchUsers) {
      const batch = training.slice(start, start + config.batchUsers);
      const rows = batch.length;
      xs.fill(0);
      ys.fill(0);
      mask.fill(config.loss === 'listwise' ? -1e9 : 0);
      batch.forEach((e, b) => {
        const positives = e.labels.reduce((a, l) => a + l, 0);
        for (let c = 0; c < e.labels.length; c++) {
          const at = b * width + c;
          mask[at] = config.loss === 'listwise' ? 0 : 1;
          ys[at] = config.loss === 'listwise' ? e.labels[c] / positives : e.labels[c];
          for (let f = 0; f < numFeatures; f++) xs[at * numFeatures + f] = (e.features[c * numFeatures + f] - mean[f]) / std[f];
        }
      });
      const loss = tf.tidy((): Tf.Scalar => {
        const x = tf.tensor2d(xs.subarray(0, rows * width * numFeatures), [rows * width, numFeatures]);
        const y = tf.tensor2d(ys.subarray(0, rows * width), [rows, width]);
        const m = tf.tensor2d(mask.subarray(0, rows * width), [rows, width]);
        return optimizer.minimize(() => {
          const hiddenOut = tf.relu(tf.add(tf.matMul(x, w1), b1));
          const logits = tf.add(tf.add(tf.matMul(hiddenOut, w2), tf.matMul(x, linear)), b2).reshape([rows, width]) as Tensor2D;
          const nll = config.loss === 'listwise' ? listwise(logits, m, y, rows) : pointwise(logits, m, y);
          return tf.add(nll, tf.mul(config.l2, tf.sum(tf.square(w1)))).asScalar();
        }, true)!;
      });
      lossSum += loss.dataSync()[0] * rows;
      loss.dispose();
    }
    const current = snapshot();
    const recall = recallAt10(stopping, current);
    recallByEpoch.push(recall);
    onEpoch?.(epoch, lossSum / training.length, recall);
    if (recall > bestRecall) {
      best = current;
      bestRecall = recall;
      bestEpoch = epoch;
    }
  }
  optimizer.dispose();
  [w1, b1, w2, b2, linear].forEach((v) => v.dispose());
  return { weights: best, backend, bestEpoch, recallByEpoch };
}

type Tensor2D = Tf.Tensor2D;

/** Mean over users of -sum(y log softmax); `mask` holds 0 for real candidates, -1e9 for padding. */
function listwise(logits: Tensor2D, mask: Tensor2D, y: Tensor2D, rows: number) {
  return logits.add(mask).logSoftmax().mul(y).sum().neg().div(rows);
}

/** Mean sigmoid cross-entropy over real candidates; `mask` is 1 for real, 0 for padding. */
function pointwise(logits: Tensor2D, mask: Tensor2D, y: Tensor2D) {
  // log(1 + e^z) - y z, written stably as relu(z) - y z + log(1 + e^-|z|)
  const loss = logits.relu().sub(logits.mul(y)).add(logits.abs().neg().exp().log1p());
  return loss.mul(mask).sum().div(mask.sum());
}

function positiveRate(examples: RankerExample[]): number {
  let positives = 0;
  let all = 0;
  for (const e of examples) {
    for (const l of e.labels) positives += l;
    all += e.labels.length;
  }
  return Math.min(0.5, Math.max(1e-4, positives / Math.max(1, all)));
}

function moments(examples: RankerExample[], numFeatures: number): { mean: Float32Array; std: Float32Array } {
  const sum = new Float64Array(numFeatures);
  const sq = new Float64Array(numFeatures);
  let rows = 0;
  for (const e of examples) {
    for (let c = 0; c < e.labels.length; c++) {
      for (let f = 0; f < numFeatures; f++) {
        const v = e.features[c * numFeatures + f];
        sum[f] += v;
        sq[f] += v * v;
      }
      rows++;
    }
  }
  const mean = new Float32Array(numFeatures);
  const std = new Float32Array(numFeatures);
  for (let f = 0; f < numFeatures; f++) {
    mean[f] = rows ? sum[f] / rows : 0;
    const variance = rows ? sq[f] / rows - mean[f] ** 2 : 0;
    std[f] = variance > 1e-12 ? Math.sqrt(variance) : 1;
  }
  return { mean, std };
}

/** Recall@10 of a weight set over examples (the protocol's definition, on candidates). */
export function recallAt10(examples: RankerExample[], weights: RankerWeights): number {
  let total = 0;
  for (const e of examples) {
    const count = e.labels.length;
    const scores = Array.from({ length: count }, (_, c) => rankerScore(weights, e.features, c * weights.numFeatures));
    const order = scores.map((_, c) => c).sort((a, b) => scores[b] - scores[a] || a - b);
    const positives = e.labels.reduce((a, l) => a + l, 0);
    let hits = 0;
    for (let r = 0; r < Math.min(10, count); r++) hits += e.labels[order[r]];
    total += hits / Math.min(10, positives);
  }
  return examples.length ? total / examples.length : 0;
}
