/**
 * Trains the ranker with TensorFlow.js: one softmax over each user's candidates (a listwise
 * loss: the held-out items should take the probability mass), an MLP with a linear skip,
 * Adam, and early stopping on Recall@10 of users set aside from the examples.
 */
import { loadTf } from '../tf-backend';
import { seededRng, shuffle } from '../eval/rng';
import { rankerScore, type RankerWeights } from './ranker';

export interface RankerExample {
  /** count x numFeatures. */
  features: Float32Array;
  /** 1 for candidates that are validation positives. */
  labels: Uint8Array;
}

export interface RankerTrainConfig {
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

export async function trainRanker(examples: RankerExample[], numFeatures: number, config: RankerTrainConfig): Promise<RankerTrainResult> {
  const { tf, backend } = await loadTf();
  const useful = examples.filter((e) => e.labels.some((l) => l === 1));
  const rng = seededRng(config.seed);
  shuffle(useful, rng);
  const holdCount = Math.max(1, Math.round(useful.length * 0.15));
  const stopping = useful.slice(0, holdCount);
  const training = useful.slice(holdCount);
  const { mean, std } = moments(training, numFeatures);
  const width = Math.max(1, ...training.map((e) => e.labels.length));

  const seed = config.seed;
  const w1 = tf.variable(tf.randomNormal([numFeatures, config.hidden], 0, Math.sqrt(2 / numFeatures), 'float32', seed));
  const b1 = tf.variable(tf.zeros([config.hidden]));
  const w2 = tf.variable(tf.randomNormal([config.hidden, 1], 0, Math.sqrt(1 / config.hidden), 'float32', seed + 1));
  const b2 = tf.variable(tf.zeros([1]));
  const linear = tf.variable(tf.zeros([numFeatures, 1]));
  const optimizer = tf.train.adam(config.learningRate);

  const snapshot = (): RankerWeights => ({
    numFeatures,
    hidden: config.hidden,
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
    for (let start = 0; start < training.length; start += config.batchUsers) {
      const batch = training.slice(start, start + config.batchUsers);
      const rows = batch.length;
      xs.fill(0);
      ys.fill(0);
      mask.fill(-1e9);
      batch.forEach((e, b) => {
        const positives = e.labels.reduce((a, l) => a + l, 0);
        for (let c = 0; c < e.labels.length; c++) {
          const at = b * width + c;
          mask[at] = 0;
          ys[at] = e.labels[c] / positives;
          for (let f = 0; f < numFeatures; f++) xs[at * numFeatures + f] = (e.features[c * numFeatures + f] - mean[f]) / std[f];
        }
      });
      tf.tidy(() => {
        const x = tf.tensor2d(xs.subarray(0, rows * width * numFeatures), [rows * width, numFeatures]);
        const y = tf.tensor2d(ys.subarray(0, rows * width), [rows, width]);
        const m = tf.tensor2d(mask.subarray(0, rows * width), [rows, width]);
        optimizer.minimize(() => {
          const hiddenOut = tf.relu(tf.add(tf.matMul(x, w1), b1));
          const logits = tf.add(tf.add(tf.matMul(hiddenOut, w2), tf.matMul(x, linear)), b2).reshape([rows, width]);
          const logProb = tf.logSoftmax(tf.add(logits, m));
          const nll = tf.neg(tf.sum(tf.mul(logProb, y))).div(rows);
          return tf.add(nll, tf.mul(config.l2, tf.sum(tf.square(w1)))).asScalar();
        });
      });
    }
    const current = snapshot();
    const recall = recallAt10(stopping, current);
    recallByEpoch.push(recall);
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
