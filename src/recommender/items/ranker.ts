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
  /** Each feature's standardised value when the raw feature is 0. */
  zeroZ: Float64Array;
  ablated: Float64Array;
  /** w1 widened once to float64 (the products were always taken in float64). */
  w1: Float64Array;
}

const scratch = new WeakMap<RankerWeights, Buffers>();

/** Weights are never changed once scored: a ranker's buffers are derived from them once. */
function buffers(r: RankerWeights): Buffers {
  let b = scratch.get(r);
  if (!b) {
    b = {
      z: new Float64Array(r.numFeatures),
      zeroZ: Float64Array.from(r.mean, (m, f) => (0 - m) / r.std[f]),
      ablated: new Float64Array(r.numFeatures),
      w1: Float64Array.from(r.w1),
    };
    scratch.set(r, b);
  }
  return b;
}

function standardise(r: RankerWeights, row: Float32Array, offset: number, z: Float64Array): void {
  const { mean, std, numFeatures } = r;
  // Most candidates lack some sources' evidence: a zero feature's value is the same every time.
  const zeroZ = buffers(r).zeroZ;
  for (let f = 0; f < numFeatures; f++) {
    const x = row[offset + f];
    z[f] = x === 0 ? zeroZ[f] : (x - mean[f]) / std[f];
  }
}

/**
 * The MLP on standardised features. Every sum adds its terms in feature order, skipping
 * zero features (the linear skip first, then the hidden units in order), so scores are
 * bit-for-bit those of the straightforward unit-by-unit evaluation; eight units are summed
 * side by side, since one running sum is bound by the latency of each add.
 */
function forward(r: RankerWeights, b: Buffers, z: Float64Array): number {
  const { hidden, numFeatures, b1, w2, linear } = r;
  const w = b.w1;
  let out = r.b2;
  for (let f = 0; f < numFeatures; f++) if (z[f] !== 0) out += z[f] * linear[f];
  let h = 0;
  for (; h + 8 <= hidden; h += 8) {
    let a0 = b1[h];
    let a1 = b1[h + 1];
    let a2 = b1[h + 2];
    let a3 = b1[h + 3];
    let a4 = b1[h + 4];
    let a5 = b1[h + 5];
    let a6 = b1[h + 6];
    let a7 = b1[h + 7];
    for (let f = 0, base = h; f < numFeatures; f++, base += hidden) {
      const zf = z[f];
      if (zf === 0) continue;
      a0 += zf * w[base];
      a1 += zf * w[base + 1];
      a2 += zf * w[base + 2];
      a3 += zf * w[base + 3];
      a4 += zf * w[base + 4];
      a5 += zf * w[base + 5];
      a6 += zf * w[base + 6];
      a7 += zf * w[base + 7];
    }
    if (a0 > 0) out += a0 * w2[h];
    if (a1 > 0) out += a1 * w2[h + 1];
    if (a2 > 0) out += a2 * w2[h + 2];
    if (a3 > 0) out += a3 * w2[h + 3];
    if (a4 > 0) out += a4 * w2[h + 4];
    if (a5 > 0) out += a5 * w2[h + 5];
    if (a6 > 0) out += a6 * w2[h + 6];
    if (a7 > 0) out += a7 * w2[h + 7];
  }
  for (; h < hidden; h++) {
    let a = b1[h];
    for (let f = 0; f < numFeatures; f++) if (z[f] !== 0) a += z[f] * w[f * hidden + h];
    if (a > 0) out += a * w2[h];
  }
  return out;
}
