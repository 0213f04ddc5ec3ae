/**
 * The learned friend ranker as plain data: a small MLP over standardised pair features,
 * exported from TensorFlow.js training (train/friends/ranker-train.ts) as Float32Arrays.
 * Scoring runs in plain JS over those arrays, so serving needs no tensors and a deserialised
 * ranker gives bit-identical scores.
 */

/** Row-major weights [inSize][outSize]. */
export interface DenseLayer {
  inSize: number;
  outSize: number;
  weights: Float32Array;
  bias: Float32Array;
}

/** ReLU between layers; the last layer has one output, the score. */
export interface Ranker {
  numFeatures: number;
  mean: Float32Array;
  invStd: Float32Array;
  layers: DenseLayer[];
}

/**
 * Scores `count` feature rows; deterministic plain-JS forward pass. It runs for every
 * candidate of every request and of every precomputed list, so the loops are kept flat
 * (no closures, no per-row allocation).
 */
export function scoreRows(ranker: Ranker, features: Float32Array, count: number): Float32Array {
  const out = new Float32Array(count);
  const { numFeatures: f, mean, invStd, layers } = ranker;
  let widest = f;
  for (const layer of layers) widest = Math.max(widest, layer.outSize);
  let input = new Float64Array(widest);
  let output = new Float64Array(widest);
  const last = layers.length - 1;
  for (let r = 0; r < count; r++) {
    const base = r * f;
    for (let j = 0; j < f; j++) input[j] = (features[base + j] - mean[j]) * invStd[j];
    for (let li = 0; li <= last; li++) {
      const { inSize, outSize, weights, bias } = layers[li];
      for (let o = 0; o < outSize; o++) output[o] = bias[o];
      for (let i = 0; i < inSize; i++) {
        const xi = input[i];
        if (xi === 0) continue;
        const row = i * outSize;
        for (let o = 0; o < outSize; o++) output[o] += xi * weights[row + o];
      }
      if (li < last) for (let o = 0; o < outSize; o++) if (output[o] < 0) output[o] = 0;
      const swap = input;
      input = output;
      output = swap;
    }
    out[r] = input[0];
  }
  return out;
}
