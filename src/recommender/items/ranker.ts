/**
 * The learned ranker at serving time: a small MLP with a linear skip over standardised
 * features, evaluated in plain TypeScript (no tensors, nothing to dispose, ~microseconds
 * per candidate). Its weights come from train/items/ranker-train.ts.
 */
import { SOURCE_FEATURES, SOURCE_NAMES, type SourceName } from './features';

export interface RankerWeights {
  numFeatures: number;
  hidden: number;
  mean: Float32Array;
  std: Float32Array;
  /** numFeatures x hidden, row-major. */
  w1: Float32Array;
  b1: Float32Array;
  w2: Float32Array;
  b2: number;
  /** Linear skip connection, numFeatures. */
  linear: Float32Array;
}

/** Logit of one candidate; `row` holds its raw features from `offset`. */
export function rankerScore(r: RankerWeights, row: Float32Array, offset = 0): number {
  const b = buffers(r);
  standardise(r, row, offset, b.z);
  return forward(r, b, b.z);
}

/** Logits of `count` candidates (features row-major) into `out`. */
export function scoreCandidates(r: RankerWeights, features: Float32Array, count: number, out: Float64Array): void {
  const b = buffers(r);
  for (let c = 0; c < count; c++) {
    standardise(r, features, c * r.numFeatures, b.z);
    out[c] = forward(r, b, b.z);
  }
}

/**
 * How much each source moved this candidate's logit: the drop when that source's features
 * are replaced by their training mean (standardised 0). Positive = the source helped.
 */
export function sourceContributions(r: RankerWeights, row: Float32Array, offset = 0): Record<SourceName, number> {
  const b = buffers(r);
  const { z, ablated } = b;
  standardise(r, row, offset, z);
  const full = forward(r, b, z);
  const out = {} as Record<SourceName, number>;
  for (const source of SOURCE_NAMES) {
    ablated.set(z);
    for (const f of SOURCE_FEATURES[source]) ablated[f] = 0;
    out[source] = full - forward(r, b, ablated);
  }
  return out;
}

interface Buffers {
  z: Float64Array;
  ablated: Float64Array;
  /** w1 transposed (hidden x numFeatures), so each hidden unit sums in a register. */
  w1t: Float64Array;
  /** The non-zero standardised features of the row being scored: positions and values. */
  active: Int32Array;
  activeValue: Float64Array;
}

const scratch = new WeakMap<RankerWeights, Buffers>();

function buffers(r: RankerWeights): Buffers {
  let b = scratch.get(r);
  if (!b) {
    const w1t = new Float64Array(r.numFeatures * r.hidden);
    for (let f = 0; f < r.numFeatures; f++) for (let h = 0; h < r.hidden; h++) w1t[h * r.numFeatures + f] = r.w1[f * r.hidden + h];
    b = {
      z: new Float64Array(r.numFeatures),
      ablated: new Float64Array(r.numFeatures),
      w1t,
      active: new Int32Array(r.numFeatures),
      activeValue: new Float64Array(r.numFeatures),
    };
    scratch.set(r, b);
  }
  return b;
}

function standardise(r: RankerWeights, row: Float32Array, offset: number, z: Float64Array): void {
  const { mean, std, numFeatures } = r;
  for (let f = 0; f < numFeatures; f++) z[f] = (row[offset + f] - mean[f]) / std[f];
}

/**
 * The MLP on standardised features. Every sum adds its terms in feature order, skipping
 * zero features (the linear skip first, then the hidden units in order), so scores are
 * bit-for-bit those of the straightforward row-by-row evaluation.
 */
function forward(r: RankerWeights, b: Buffers, z: Float64Array): number {
  const { hidden, numFeatures, b1, w2, linear } = r;
  const { w1t, active, activeValue } = b;
  let out = r.b2;
  let size = 0;
  for (let f = 0; f < numFeatures; f++) {
    const zf = z[f];
    if (zf === 0) continue;
    out += zf * linear[f];
    active[size] = f;
    activeValue[size++] = zf;
  }
  // Four hidden units per pass: four independent sums keep the FPU busy (one sum is add-latency bound).
  let h = 0;
  for (; h + 4 <= hidden; h += 4) {
    const b0 = h * numFeatures;
    const b1_ = b0 + numFeatures;
    const b2_ = b1_ + numFeatures;
    const b3_ = b2_ + numFeatures;
    let a0 = b1[h];
    let a1 = b1[h + 1];
    let a2 = b1[h + 2];
    let a3 = b1[h + 3];
    for (let t = 0; t < size; t++) {
      const f = active[t];
      const zf = activeValue[t];
      a0 += zf * w1t[b0 + f];
      a1 += zf * w1t[b1_ + f];
      a2 += zf * w1t[b2_ + f];
      a3 += zf * w1t[b3_ + f];
    }
    if (a0 > 0) out += a0 * w2[h];
    if (a1 > 0) out += a1 * w2[h + 1];
    if (a2 > 0) out += a2 * w2[h + 2];
    if (a3 > 0) out += a3 * w2[h + 3];
  }
  for (; h < hidden; h++) {
    const base = h * numFeatures;
    let a = b1[h];
    for (let t = 0; t < size; t++) a += activeValue[t] * w1t[base + active[t]];
    if (a > 0) out += a * w2[h];
  }
  return out;
}
