/** Global item statistics: how many users engaged, how recently, and the resulting orders. */
import type { Interactions, ItemTrainingData } from './data';

export interface PopularityStats {
  /** Distinct positive users per item. */
  count: Float32Array;
  /** Time-decayed count (half-life `trendingHalfLifeDays`); equals `count` without timestamps. */
  trending: Float32Array;
  /** Most popular items first (only items with a positive count, capped). */
  popularOrder: Int32Array;
  trendingOrder: Int32Array;
}

const ORDER_CAP = 1000;
const SECONDS_PER_DAY = 86_400;

export function computePopularity(data: ItemTrainingData, x: Interactions, trendingHalfLifeDays: number, now: number): PopularityStats {
  const n = data.numItems;
  const count = new Float32Array(n);
  for (let i = 0; i < n; i++) count[i] = x.byItem.indptr[i + 1] - x.byItem.indptr[i];
  let trending = count;
  if (data.times) {
    trending = new Float32Array(n);
    const rate = Math.LN2 / (trendingHalfLifeDays * SECONDS_PER_DAY);
    for (let e = 0; e < data.items.length; e++) {
      if (data.weights[e] <= 0) continue;
      const age = Math.max(0, now - data.times[e]);
      trending[data.items[e]] += Math.exp(-rate * age);
    }
  }
  return { count, trending, popularOrder: orderBy(count), trendingOrder: orderBy(trending) };
}

function orderBy(values: Float32Array): Int32Array {
  const items: number[] = [];
  for (let i = 0; i < values.length; i++) if (values[i] > 0) items.push(i);
  items.sort((a, b) => values[b] - values[a] || a - b);
  return Int32Array.from(items.slice(0, ORDER_CAP));
}

/**
 * The reference time: data.now, else the latest interaction time, else the latest creation
 * time, else 0. Behaviour comes first: an imported history's items are all "created" at
 * import time, and measuring trending from then would decay every interaction to nothing,
 * so the served model would lose the trending evidence the offline one had.
 */
export function referenceNow(data: ItemTrainingData): number {
  if (data.now !== undefined) return data.now;
  let now = -Infinity;
  if (data.times) for (const t of data.times) if (t > now) now = t;
  const created = data.itemFeatures?.createdAt;
  if (now === -Infinity && created) for (const t of created) if (t > now) now = t;
  return now === -Infinity ? 0 : now;
}

/** The newest items first (by creation time), capped. */
export function newestItems(createdAt: Float64Array | undefined, cap = 200): Int32Array {
  if (!createdAt) return new Int32Array(0);
  const items: number[] = [];
  for (let i = 0; i < createdAt.length; i++) if (!Number.isNaN(createdAt[i])) items.push(i);
  items.sort((a, b) => createdAt[b] - createdAt[a] || a - b);
  return Int32Array.from(items.slice(0, cap));
}
