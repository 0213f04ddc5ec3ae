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
  const { columns } = scratchFor(ranker);
  let { input, output } = scratchFor(ranker);
  const last = layers.length - 1;
  for (let r = 0; r < count; r++) {
    const base = r * f;
    for (let j = 0; j < f; j++) input[j] = (features[base + j] - mean[j]) * invStd[j];
    for (let li = 0; li <= last; li++) {
      dense(layers[li], columns[li], input, output, li < last);
      const swap = input;
      input = output;
      output = swap;
    }
    out[r] = input[0];
  }
  return out;
}

/**
 * The scores of one feature row with each group of columns in turn set to its training mean
 * (a standardised 0). The first layer is linear, so an occluded row's first-layer sums are
 * the row's minus the group's terms: the groups together cost about one forward pass rather
 * than one each. Equal to scoreRows on the occluded rows up to rounding in those sums.
 */
export function scoreOccluded(ranker: Ranker, features: Float32Array, offset: number, groups: readonly (readonly number[])[]): Float32Array {
  const out = new Float32Array(groups.length);
  const { numFeatures: f, mean, invStd, layers } = ranker;
  const { columns, z, sums } = scratchFor(ranker);
  let { input, output } = scratchFor(ranker);
  for (let j = 0; j < f; j++) z[j] = (features[offset + j] - mean[j]) * invStd[j];
  const first = layers[0];
  dense(first, columns[0], z, sums, false);
  const last = layers.length - 1;
  for (let g = 0; g < groups.length; g++) {
    input.set(sums);
    for (const j of groups[g]) {
      const row = j * first.outSize;
      for (let o = 0; o < first.outSize; o++) input[o] -= z[j] * first.weights[row + o];
    }
    if (last > 0) for (let o = 0; o < first.outSize; o++) if (input[o] < 0) input[o] = 0;
    for (let li = 1; li <= last; li++) {
      dense(layers[li], columns[li], input, output, li < last);
      const swap = input;
      input = output;
      output = swap;
    }
    out[g] = input[0];
  }
  return out;
}

/**
 * output = layer(input), ReLU'd when `relu`. Each unit's sum runs over the inputs in order in
 * a local, from the layer's weights transposed (columnsOf); an input of 0 adds 0 and is not
 * skipped, which leaves every sum as it was but for a bias of -0.
 */
function dense(layer: DenseLayer, columns: Float64Array, input: Float64Array, output: Float64Array, relu: boolean): void {
  const { inSize, outSize, bias } = layer;
  for (let o = 0; o < outSize; o++) {
    let sum = bias[o];
    const row = o * inSize;
    for (let i = 0; i < inSize; i++) sum += input[i] * columns[row + i];
    output[o] = relu && sum < 0 ? 0 : sum;
  }
}

/**
 * Per-ranker buffers, made once (a ranker is never changed once trained): scoring is
 * synchronous, and typed arrays this size live
 * outside the JS heap, so allocating them per call (once per explained suggestion) cost more
 * than the arithmetic.
 */
interface Scratch {
  /** Each layer's weights as [outSize][inSize] doubles (the same values). */
  columns: Float64Array[];
  z: Float64Array;
  sums: Float64Array;
  input: Float64Array;
  output: Float64Array;
}

const scratches = new WeakMap<Ranker, Scratch>();

function scratchFor(ranker: Ranker): Scratch {
  let scratch = scratches.get(ranker);
  if (!scratch) {
    let width = ranker.numFeatures;
    for (const layer of ranker.layers) width = Math.max(width, layer.outSize);
    const columns = ranker.layers.map(({ inSize, outSize, weights }) => {
      const t = new Float64Array(inSize * outSize);
      for (let i = 0; i < inSize; i++) for (let o = 0; o < outSize; o++) t[o * inSize + i] = weights[i * outSize + o];
      return t;
    });
    const buffer = () => new Float64Array(width);
    scratch = { columns, z: buffer(), sums: buffer(), input: buffer(), output: buffer() };
    scratches.set(ranker, scratch);
  }
  return scratch;
}
