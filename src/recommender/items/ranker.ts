/**
 * The learned ranker at serving time: a small MLP with a linear skip over standardised
 * features, evaluated in plain TypeScript (no tensors, nothing to dispose, ~microseconds
 * per candidate). Its weights come from ranker-train.ts.
 */
import { NUM_FEATURES, SOURCE_FEATURES, SOURCE_NAMES, type SourceName } from './features';

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

/** Logit of one candidate; `row` is its raw feature vector at `offset`. */
export function rankerScore(r: RankerWeights, row: ArrayLike<number>, offset = 0, override?: Float32Array): number {
  const z = override ?? standardise(r, row, offset);
  let out = r.b2;
  for (let f = 0; f < r.numFeatures; f++) out += z[f] * r.linear[f];
  for (let h = 0; h < r.hidden; h++) {
    let a = r.b1[h];
    for (let f = 0; f < r.numFeatures; f++) a += z[f] * r.w1[f * r.hidden + h];
    if (a > 0) out += a * r.w2[h];
  }
  return out;
}

const zBuffer = new Float32Array(NUM_FEATURES);

function standardise(r: RankerWeights, row: ArrayLike<number>, offset: number): Float32Array {
  const z = r.numFeatures === zBuffer.length ? zBuffer : new Float32Array(r.numFeatures);
  for (let f = 0; f < r.numFeatures; f++) z[f] = (row[offset + f] - r.mean[f]) / r.std[f];
  return z;
}

/**
 * How much each source moved this candidate's logit: the drop when that source's features
 * are replaced by their training mean (standardised 0). Positive = the source helped.
 */
export function sourceContributions(r: RankerWeights, row: ArrayLike<number>, offset = 0): Record<SourceName, number> {
  const z = Float32Array.from(standardise(r, row, offset));
  const full = rankerScore(r, row, offset, z);
  const out = {} as Record<SourceName, number>;
  for (const source of SOURCE_NAMES) {
    const ablated = z.slice();
    for (const f of SOURCE_FEATURES[source]) ablated[f] = 0;
    out[source] = full - rankerScore(r, row, offset, ablated);
  }
  return out;
}
