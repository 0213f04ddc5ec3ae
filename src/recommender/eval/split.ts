/**
 * The protocol's hold-out split (../shared/EVALUATION.md): every user with at least 5
 * positives loses round(20%) of them (at least 1), chosen at random with a seeded generator
 * or, for the temporal variant, the latest by timestamp. The same function carves a
 * validation split out of the training part, so tuning never sees held-out pairs.
 */
import { seededRng, shuffle } from './rng';

/** Deduplicated positive (user, item) pairs; arrays align by index. */
export interface PositivePairs {
  numUsers: number;
  numItems: number;
  users: Int32Array;
  items: Int32Array;
  values: Float32Array;
  /** Unix seconds per pair, or null when the dataset has no timestamps. */
  times: Float64Array | null;
}

export type SplitMode = 'random' | 'temporal';

export interface SplitOptions {
  mode: SplitMode;
  seed: number;
  fraction?: number;
  minPositives?: number;
}

/** Pair indices on each side of a split; both sorted ascending. */
export interface Split {
  train: Int32Array;
  heldOut: Int32Array;
}

/**
 * Splits `subset` (default: every pair) per user. Ties in the temporal variant are broken
 * by pair order, so the result depends only on the data and the seed.
 */
export function holdOut(pairs: PositivePairs, options: SplitOptions, subset?: Int32Array): Split {
  const fraction = options.fraction ?? 0.2;
  const minPositives = options.minPositives ?? 5;
  if (options.mode === 'temporal' && !pairs.times) throw new Error('temporal split needs timestamps');
  const rng = seededRng(options.seed);
  const all = subset ?? Int32Array.from({ length: pairs.users.length }, (_, e) => e);
  const byUser: number[][] = Array.from({ length: pairs.numUsers }, () => []);
  for (const e of all) byUser[pairs.users[e]].push(e);
  const isHeldOut = new Uint8Array(pairs.users.length);
  for (const list of byUser) {
    if (list.length < minPositives) continue;
    const count = Math.max(1, Math.round(fraction * list.length));
    let chosen: number[];
    if (options.mode === 'random') {
      chosen = shuffle(list.slice(), rng).slice(0, count);
    } else {
      const times = pairs.times!;
      const ordered = list.slice().sort((a, b) => times[a] - times[b] || a - b);
      chosen = ordered.slice(ordered.length - count);
    }
    for (const e of chosen) isHeldOut[e] = 1;
  }
  const train: number[] = [];
  const held: number[] = [];
  for (const e of all) (isHeldOut[e] ? held : train).push(e);
  return { train: Int32Array.from(train).sort(), heldOut: Int32Array.from(held).sort() };
}

/** A validation split inside `train`, with a seed derived from the outer one. */
export function carveValidation(pairs: PositivePairs, train: Int32Array, options: SplitOptions): Split {
  return holdOut(pairs, { ...options, seed: (options.seed * 7919 + 104729) >>> 0 }, train);
}

/** Held-out items per user, for the metric accumulator. */
export function heldOutByUser(pairs: PositivePairs, heldOut: Int32Array): Map<number, Set<number>> {
  const out = new Map<number, Set<number>>();
  for (const e of heldOut) {
    const u = pairs.users[e];
    let set = out.get(u);
    if (!set) out.set(u, (set = new Set()));
    set.add(pairs.items[e]);
  }
  return out;
}
