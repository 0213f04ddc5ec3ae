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
  const z = buffers(r).z;
  standardise(r, row, offset, z);
  return forward(r, z);
}

/** Logits of `count` candidates (features row-major) into `out`. */
export function scoreCandidates(r: RankerWeights, features: Float32Array, count: number, out: Float64Array): void {
  const z = buffers(r).z;
  for (let c = 0; c < count; c++) {
    standardise(r, features, c * r.numFeatures, z);
    out[c] = forward(r, z);
  }
}

/**
 * How much each source moved this candidate's logit: the drop when that source's features
 * are replaced by their training mean (standardised 0). Positive = the source helped.
 */
export function sourceContributions(r: RankerWeights, row: Float32Array, offset = 0): Record<SourceName, number> {
  const { z, ablated } = buffers(r);
  standardise(r, row, offset, z);
  const full = forward(r, z);
  const out = {} as Record<SourceName, number>;
  for (const source of SOURCE_NAMES) {
    ablated.set(z);
    for (const f of SOURCE_FEATURES[source]) ablated[f] = 0;
    out[source] = full - forward(r, ablated);
  }
  return out;
}

interface Buffers {
  z: Float64Array;
  ablated: Float64Array;
  hidden: Float64Array;
}

const scratch = new WeakMap<RankerWeights, Buffers>();

function buffers(r: RankerWeights): Buffers {
  let b = scratch.get(r);
  if (!b) {
    b = { z: new Float64Array(r.numFeatures), ablated: new Float64Array(r.numFeatures), hidden: new Float64Array(r.hidden) };
    scratch.set(r, b);
  }
  return b;
}

function standardise(r: RankerWeights, row: Float32Array, offset: number, z: Float64Array): void {
  const { mean, std, numFeatures } = r;
  for (let f = 0; f < numFeatures; f++) z[f] = (row[offset + f] - mean[f]) / std[f];
}

/** The MLP on standardised features; w1 is row-major features x hidden, read row by row. */
function forward(r: RankerWeights, z: Float64Array): number {
  const { hidden, numFeatures, w1, b1, w2, linear } = r;
  const a = buffers(r).hidden;
  for (let h = 0; h < hidden; h++) a[h] = b1[h];
  let out = r.b2;
  for (let f = 0; f < numFeatures; f++) {
    const zf = z[f];
    if (zf === 0) continue;
    out += zf * linear[f];
    const base = f * hidden;
    for (let h = 0; h < hidden; h++) a[h] += zf * w1[base + h];
  }
  for (let h = 0; h < hidden; h++) if (a[h] > 0) out += a[h] * w2[h];
  return out;
}
