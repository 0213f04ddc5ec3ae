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

/** Scores `count` feature rows; deterministic plain-JS forward pass. */
export function scoreRows(ranker: Ranker, features: Float32Array, count: number): Float32Array {
  const out = new Float32Array(count);
  const f = ranker.numFeatures;
  const widest = Math.max(f, ...ranker.layers.map((l) => l.outSize));
  let input = new Float64Array(widest);
  let output = new Float64Array(widest);
  for (let r = 0; r < count; r++) {
    for (let j = 0; j < f; j++) input[j] = (features[r * f + j] - ranker.mean[j]) * ranker.invStd[j];
    ranker.layers.forEach((layer, li) => {
      const { inSize, outSize, weights, bias } = layer;
      for (let o = 0; o < outSize; o++) output[o] = bias[o];
      for (let i = 0; i < inSize; i++) {
        const xi = input[i];
        if (xi === 0) continue;
        const row = i * outSize;
        for (let o = 0; o < outSize; o++) output[o] += xi * weights[row + o];
      }
      if (li < ranker.layers.length - 1) for (let o = 0; o < outSize; o++) if (output[o] < 0) output[o] = 0;
      [input, output] = [output, input];
    });
    out[r] = input[0];
  }
  return out;
}
