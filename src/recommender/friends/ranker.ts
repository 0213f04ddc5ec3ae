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
 * (no closures, no per-row allocation). When `firstSums` is given (count times the first
 * layer's width), it receives each row's first-layer sums before the ReLU, which
 * scoreOccluded starts from instead of computing them again.
 */
export function scoreRows(ranker: Ranker, features: Float32Array, count: number, firstSums?: Float64Array): Float32Array {
  const out = new Float32Array(count);
  const { numFeatures: f, mean, invStd, layers } = ranker;
  const scratch = scratchFor(ranker);
  const { columns, width } = scratch;
  let { input, output } = scratch;
  const last = layers.length - 1;
  // BLOCK rows at a time: each weight is loaded once for all of them, and their sums are
  // independent chains the CPU can overlap. Each row's sums still add the same terms in the
  // same order as one row alone would, so the scores are the same bit for bit. Rows past
  // `count` in the last block are zeros whose scores are dropped.
  for (let r0 = 0; r0 < count; r0 += BLOCK) {
    const rows = Math.min(BLOCK, count - r0);
    for (let k = 0; k < BLOCK; k++) {
      const at = k * width;
      if (k < rows) {
        const base = (r0 + k) * f;
        for (let j = 0; j < f; j++) input[at + j] = (features[base + j] - mean[j]) * invStd[j];
      } else {
        for (let j = 0; j < f; j++) input[at + j] = 0;
      }
    }
    for (let li = 0; li <= last; li++) {
      denseBlock(layers[li], columns[li], width, input, output, li < last, li === 0 ? firstSums : undefined, r0, rows);
      const swap = input;
      input = output;
      output = swap;
    }
    for (let k = 0; k < rows; k++) out[r0 + k] = input[k * width];
  }
  return out;
}

/**
 * The scores of one feature row with each group of columns in turn set to its training mean
 * (a standardised 0). The first layer is linear, so an occluded row's first-layer sums are
 * the row's minus the group's terms: the groups together cost about one forward pass rather
 * than one each. Equal to scoreRows on the occluded rows up to rounding in those sums. The
 * row's first-layer sums come from `firstSums` at `sumsOffset` when scoreRows kept them
 * (the same values), else they are computed here.
 */
export function scoreOccluded(
  ranker: Ranker,
  features: Float32Array,
  offset: number,
  groups: readonly (readonly number[])[],
  firstSums?: Float64Array,
  sumsOffset = 0,
): Float32Array {
  const out = new Float32Array(groups.length);
  const { numFeatures: f, mean, invStd, layers } = ranker;
  const { columns, z, sums } = scratchFor(ranker);
  let { input, output } = scratchFor(ranker);
  for (let j = 0; j < f; j++) z[j] = (features[offset + j] - mean[j]) * invStd[j];
  const first = layers[0];
  if (firstSums) for (let o = 0; o < first.outSize; o++) sums[o] = firstSums[sumsOffset + o];
  else dense(first, columns[0], z, sums, false);
  const last = layers.length - 1;
  const { inSize, outSize } = first;
  const firstColumns = columns[0];
  for (let g = 0; g < groups.length; g++) {
    const group = groups[g];
    // Per unit, the group's terms come off its sum in group order, in a local.
    for (let o = 0; o < outSize; o++) {
      let sum = sums[o];
      const row = o * inSize;
      for (let t = 0; t < group.length; t++) {
        const j = group[t];
        sum -= z[j] * firstColumns[row + j];
      }
      input[o] = last > 0 && sum < 0 ? 0 : sum;
    }
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

/** Rows scoreRows takes at once. */
const BLOCK = 4;

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
 * dense() on BLOCK rows, row k at k * stride of input and output, with the same sums. The
 * first `rows` rows' sums before the ReLU go to `keep`, if given, at row r0 + k.
 */
function denseBlock(
  layer: DenseLayer,
  columns: Float64Array,
  stride: number,
  input: Float64Array,
  output: Float64Array,
  relu: boolean,
  keep: Float64Array | undefined,
  r0: number,
  rows: number,
): void {
  const { inSize, outSize, bias } = layer;
  const in1 = stride;
  const in2 = 2 * stride;
  const in3 = 3 * stride;
  for (let o = 0; o < outSize; o++) {
    let s0 = bias[o];
    let s1 = s0;
    let s2 = s0;
    let s3 = s0;
    const row = o * inSize;
    for (let i = 0; i < inSize; i++) {
      const w = columns[row + i];
      s0 += input[i] * w;
      s1 += input[in1 + i] * w;
      s2 += input[in2 + i] * w;
      s3 += input[in3 + i] * w;
    }
    if (keep) {
      const at = r0 * outSize + o;
      keep[at] = s0;
      if (rows > 1) keep[at + outSize] = s1;
      if (rows > 2) keep[at + 2 * outSize] = s2;
      if (rows > 3) keep[at + 3 * outSize] = s3;
    }
    output[o] = relu && s0 < 0 ? 0 : s0;
    output[in1 + o] = relu && s1 < 0 ? 0 : s1;
    output[in2 + o] = relu && s2 < 0 ? 0 : s2;
    output[in3 + o] = relu && s3 < 0 ? 0 : s3;
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
  /** The widest layer (or input): a row's stride in a block. */
  width: number;
  z: Float64Array;
  sums: Float64Array;
  /** BLOCK rows each, for scoreRows; scoreOccluded uses the first. */
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
    const buffer = (rows: number) => new Float64Array(rows * width);
    scratch = { columns, width, z: buffer(1), sums: buffer(1), input: buffer(BLOCK), output: buffer(BLOCK) };
    scratches.set(ranker, scratch);
  }
  return scratch;
}
