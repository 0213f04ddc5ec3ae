/**
 * Trains the friend ranker in TensorFlow.js with a listwise softmax loss per user (or a
 * pointwise logistic loss) on dense, padded batches (the wasm backend has no gradient for
 * gather), then exports the weights as plain arrays (ranker.ts).
 */
import type * as Tf from '@tensorflow/tfjs';

import { Rng, seededRng, shuffle } from '../../eval/rng';
import { loadTf } from '../../tf-backend';
import { DenseLayer, Ranker } from '../../friends/ranker';
import { trainableMatMul } from '../matmul';

/** Candidate lists of training users: group g's rows are groupOffsets[g] .. groupOffsets[g+1]. */
export interface RankerTrainingSet {
  numFeatures: number;
  features: Float32Array;
  labels: Uint8Array;
  groupOffsets: Int32Array;
}

export interface RankerOptions {
  hidden: number[];
  loss: 'listwise' | 'pointwise';
  epochs: number;
  /** Caps gradient steps: big graphs get fewer epochs over their many users. */
  maxSteps: number;
  learningRate: number;
  /** Users per gradient step. */
  batchGroups: number;
  l2: number;
  seed: number;
}

export const DEFAULT_RANKER_OPTIONS: RankerOptions = {
  hidden: [32],
  loss: 'listwise',
  epochs: 10,
  maxSteps: 2500,
  learningRate: 0.005,
  batchGroups: 32,
  l2: 1e-5,
  seed: 1,
};

/** Fits from random weights, or continues from `start` (its weights and standardisation). */
export async function trainRanker(set: RankerTrainingSet, options: RankerOptions, start?: Ranker): Promise<Ranker> {
  const { tf } = await loadTf();
  const f = set.numFeatures;
  const { mean, invStd } = start ?? standardisation(set);
  // Standardised once here rather than per batch in every epoch.
  const standardised = new Float32Array(set.features.length);
  for (let r = 0; r < set.labels.length; r++) {
    for (let j = 0; j < f; j++) standardised[r * f + j] = (set.features[r * f + j] - mean[j]) * invStd[j];
  }
  const groups = usefulGroups(set, options.loss);
  if (groups.length === 0) throw new Error('No training user has a held-out friend among their candidates');
  const sizeOf = (g: number) => set.groupOffsets[g + 1] - set.groupOffsets[g];
  const rng = seededRng(options.seed);
  const sizes = [f, ...options.hidden, 1];
  const variables = sizes.slice(1).map((out, i) => ({
    w: tf.variable(tf.tensor2d(start ? start.layers[i].weights : glorot(sizes[i], out, rng), [sizes[i], out])),
    b: tf.variable(start ? tf.tensor1d(start.layers[i].bias) : tf.zeros([out])),
  }));
  const optimizer = tf.train.adam(options.learningRate);
  const matMul = trainableMatMul(tf);
  const batchesPerEpoch = Math.ceil(groups.length / options.batchGroups);
  const epochs = Math.max(1, Math.min(options.epochs, Math.ceil(options.maxSteps / batchesPerEpoch)));
  // Stochastic weight averaging over the second half of the steps: the mean of the weights
  // after every step ranks more steadily than the last noisy one. Averaging every step rather
  // than every epoch keeps that with few epochs: 10 epochs average 125 (Last.fm) to 365
  // (ego-Facebook) points where 30 averaged 15, at validation NDCG@10 within 0.003 of 30's.
  const steps = epochs * batchesPerEpoch;
  const averageFrom = Math.floor(steps / 2);
  const average: DenseLayer[] = sizes.slice(1).map((out, i) => ({
    inSize: sizes[i],
    outSize: out,
    weights: new Float32Array(sizes[i] * out),
    bias: new Float32Array(out),
  }));
  try {
    let step = 0;
    for (let epoch = 0; epoch < epochs; epoch++) {
      for (const batch of epochBatches(groups, sizeOf, options.batchGroups, rng)) {
        const width = Math.max(...batch.map(sizeOf));
        const { x, y, mask } = batchTensors(tf, set, standardised, batch, width);
        optimizer.minimize(() => {
          let h: Tf.Tensor2D = x;
          variables.forEach(({ w, b }, i) => {
            h = tf.add(matMul(h, w), b);
            if (i < variables.length - 1) h = tf.relu(h);
          });
          const scores = tf.reshape(h, [batch.length, width]) as Tf.Tensor2D;
          const data = options.loss === 'listwise' ? listwiseLoss(tf, scores, y, mask) : pointwiseLoss(tf, scores, y, mask);
          const penalty = variables.reduce((sum, { w }) => tf.add(sum, tf.sum(tf.square(w))), tf.scalar(0));
          return tf.add(data, tf.mul(options.l2, penalty)) as Tf.Scalar;
        });
        tf.dispose([x, y, mask]);
        if (step++ >= averageFrom) {
          variables.forEach(({ w, b }, i) => {
            addInto(average[i].weights, w.dataSync());
            addInto(average[i].bias, b.dataSync());
          });
        }
      }
    }
    const snapshots = steps - averageFrom;
    const layers = average.map((layer) => {
      for (const array of [layer.weights, layer.bias]) for (let i = 0; i < array.length; i++) array[i] /= snapshots;
      return layer;
    });
    return { numFeatures: f, mean, invStd, layers };
  } finally {
    optimizer.dispose();
    for (const { w, b } of variables) tf.dispose([w, b]);
  }
}

function addInto(target: Float32Array, values: ArrayLike<number>): void {
  for (let i = 0; i < target.length; i++) target[i] += values[i];
}

/**
 * Shuffled batches of similar-sized groups, so padding to the widest group in a batch
 * wastes little: shuffle, sort windows of 8 batches by size, cut, shuffle the batches.
 */
function epochBatches(groups: number[], sizeOf: (g: number) => number, batchGroups: number, rng: Rng): number[][] {
  const order = shuffle(groups.slice(), rng);
  const batches: number[][] = [];
  const window = batchGroups * 8;
  for (let start = 0; start < order.length; start += window) {
    const chunk = order.slice(start, start + window).sort((a, b) => sizeOf(a) - sizeOf(b));
    for (let b = 0; b < chunk.length; b += batchGroups) batches.push(chunk.slice(b, b + batchGroups));
  }
  return shuffle(batches, rng);
}

function listwiseLoss(tf: typeof Tf, scores: Tf.Tensor2D, y: Tf.Tensor, mask: Tf.Tensor): Tf.Scalar {
  // Padding gets a score far below any real one, so it takes no probability mass.
  const masked = tf.add(scores, tf.mul(tf.sub(mask, 1), 1e4));
  const logProb = tf.logSoftmax(masked);
  const target = tf.div(y, tf.sum(y, 1, true));
  return tf.neg(tf.mean(tf.sum(tf.mul(target, logProb), 1))) as Tf.Scalar;
}

function pointwiseLoss(tf: typeof Tf, scores: Tf.Tensor2D, y: Tf.Tensor, mask: Tf.Tensor): Tf.Scalar {
  const perRow = tf.losses.sigmoidCrossEntropy(y, scores, undefined, undefined, tf.Reduction.NONE);
  return tf.div(tf.sum(tf.mul(perRow, mask)), tf.sum(mask)) as Tf.Scalar;
}

/** One batch padded to `width` rows per group, from the standardised feature matrix. */
function batchTensors(tf: typeof Tf, set: RankerTrainingSet, standardised: Float32Array, batch: number[], width: number) {
  const f = set.numFeatures;
  const x = new Float32Array(batch.length * width * f);
  const y = new Float32Array(batch.length * width);
  const mask = new Float32Array(batch.length * width);
  batch.forEach((g, b) => {
    const from = set.groupOffsets[g];
    const to = set.groupOffsets[g + 1];
    x.set(standardised.subarray(from * f, to * f), b * width * f);
    for (let r = from, slot = b * width; r < to; r++, slot++) {
      y[slot] = set.labels[r];
      mask[slot] = 1;
    }
  });
  return {
    x: tf.tensor2d(x, [batch.length * width, f]),
    y: tf.tensor2d(y, [batch.length, width]),
    mask: tf.tensor2d(mask, [batch.length, width]),
  };
}

/** Listwise training needs a positive in the group; pointwise uses every non-empty group. */
function usefulGroups(set: RankerTrainingSet, loss: RankerOptions['loss']): number[] {
  const groups: number[] = [];
  for (let g = 0; g + 1 < set.groupOffsets.length; g++) {
    const from = set.groupOffsets[g];
    const to = set.groupOffsets[g + 1];
    if (to === from) continue;
    let positive = false;
    for (let r = from; r < to && !positive; r++) positive = set.labels[r] === 1;
    if (positive || loss === 'pointwise') groups.push(g);
  }
  return groups;
}

function standardisation(set: RankerTrainingSet): { mean: Float32Array; invStd: Float32Array } {
  const f = set.numFeatures;
  const rows = set.labels.length;
  const sum = new Float64Array(f);
  const sq = new Float64Array(f);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < f; j++) {
      const v = set.features[r * f + j];
      sum[j] += v;
      sq[j] += v * v;
    }
  }
  const mean = new Float32Array(f);
  const invStd = new Float32Array(f);
  for (let j = 0; j < f; j++) {
    const m = rows ? sum[j] / rows : 0;
    const variance = rows ? sq[j] / rows - m * m : 0;
    mean[j] = m;
    // A constant feature (e.g. reciprocity on an all-mutual graph) is left unscaled.
    invStd[j] = variance > 1e-12 ? 1 / Math.sqrt(variance) : 1;
  }
  return { mean, invStd };
}

function glorot(fanIn: number, fanOut: number, rng: Rng): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return Float32Array.from({ length: fanIn * fanOut }, () => (rng() * 2 - 1) * limit);
}
