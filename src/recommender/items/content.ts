/**
 * Content similarity from item metadata: tf-idf tag vectors (L2-normalised) and categories.
 * A user's profile is built at request time from their current history, so a brand-new
 * item with tags can be recommended before anyone has engaged with it.
 */
import { cooToCsr, type Csr, transpose } from '../sparse';
import { type ItemFeatures } from './data';

export interface ContentIndex {
  numTags: number;
  numCategories: number;
  /** Item -> tag with normalised tf-idf weights. */
  itemTags: Required<Csr>;
  /** Tag -> items, most popular first, capped per tag (candidate lookup). */
  tagItems: Csr;
  /** Category per item, -1 unknown. */
  category: Int32Array;
}

const ITEMS_PER_TAG = 100;

export function buildContentIndex(features: ItemFeatures | undefined, numItems: number, popularity: Float32Array): ContentIndex {
  const category = features?.category ?? new Int32Array(numItems).fill(-1);
  const numCategories = features?.numCategories ?? 0;
  const numTags = features?.numTags ?? 0;
  const src = features?.tags;
  if (!src || numTags === 0) {
    const empty = { indptr: new Int32Array(numItems + 1), indices: new Int32Array(0), values: new Float32Array(0) };
    return { numTags: 0, numCategories, itemTags: empty, tagItems: { indptr: new Int32Array(1), indices: new Int32Array(0) }, category };
  }
  const rows: number[] = [];
  const cols: number[] = [];
  const vals: number[] = [];
  const df = new Float64Array(numTags);
  for (let i = 0; i < numItems; i++) {
    for (let p = src.indptr[i]; p < src.indptr[i + 1]; p++) df[src.indices[p]]++;
  }
  let tagged = 0;
  for (let i = 0; i < numItems; i++) if (src.indptr[i + 1] > src.indptr[i]) tagged++;
  for (let i = 0; i < numItems; i++) {
    let norm = 0;
    const start = vals.length;
    for (let p = src.indptr[i]; p < src.indptr[i + 1]; p++) {
      const t = src.indices[p];
      const w = (src.values ? src.values[p] : 1) * Math.log(1 + tagged / df[t]);
      rows.push(i);
      cols.push(t);
      vals.push(w);
      norm += w * w;
    }
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let q = start; q < vals.length; q++) vals[q] *= scale;
  }
  const itemTags = cooToCsr(numItems, rows, cols, vals);
  const byTag = transpose(itemTags, numTags);
  const tagPtr = new Int32Array(numTags + 1);
  const tagIdx: number[] = [];
  for (let t = 0; t < numTags; t++) {
    const items = Array.from(byTag.indices.subarray(byTag.indptr[t], byTag.indptr[t + 1]));
    items.sort((a, b) => popularity[b] - popularity[a] || a - b);
    tagIdx.push(...items.slice(0, ITEMS_PER_TAG));
    tagPtr[t + 1] = tagIdx.length;
  }
  return { numTags, numCategories, itemTags, tagItems: { indptr: tagPtr, indices: Int32Array.from(tagIdx) }, category };
}

/** A user's tag and category profile, accumulated into reusable dense buffers. */
export class ContentProfile {
  readonly tagWeight: Float32Array;
  readonly categoryShare: Float32Array;
  private readonly touchedTags: number[] = [];
  private norm = 0;
  /** similarity() memo: an item's value is current when its stamp is this build's. */
  private memo: Float64Array | null = null;
  private stamps: Int32Array | null = null;
  private generation = 0;

  constructor(private readonly index: ContentIndex) {
    this.tagWeight = new Float32Array(index.numTags);
    this.categoryShare = new Float32Array(Math.max(1, index.numCategories));
  }

  build(history: ArrayLike<number>): void {
    const { itemTags, category } = this.index;
    for (const t of this.touchedTags) this.tagWeight[t] = 0;
    this.touchedTags.length = 0;
    this.categoryShare.fill(0);
    let known = 0;
    for (let h = 0; h < history.length; h++) {
      const i = history[h];
      if (i < 0 || i >= category.length) continue;
      for (let p = itemTags.indptr[i]; p < itemTags.indptr[i + 1]; p++) {
        const t = itemTags.indices[p];
        if (this.tagWeight[t] === 0) this.touchedTags.push(t);
        this.tagWeight[t] += itemTags.values[p];
      }
      if (category[i] >= 0) {
        this.categoryShare[category[i]]++;
        known++;
      }
    }
    if (known > 0) for (let c = 0; c < this.categoryShare.length; c++) this.categoryShare[c] /= known;
    let norm = 0;
    for (const t of this.touchedTags) norm += this.tagWeight[t] ** 2;
    this.norm = Math.sqrt(norm);
    if (this.stamps && this.generation === 0x7fffffff) {
      this.stamps.fill(0);
      this.generation = 0;
    }
    this.generation++;
  }

  /** Cosine between the profile and the item's tag vector, in [0, 1]. */
  similarity(item: number): number {
    if (this.norm === 0) return 0;
    // Candidate generation asks for the same items several times per request.
    if (!this.stamps || !this.memo) {
      this.stamps = new Int32Array(this.index.category.length);
      this.memo = new Float64Array(this.index.category.length);
    }
    if (this.stamps[item] === this.generation) return this.memo[item];
    const { indptr, indices, values } = this.index.itemTags;
    const tagWeight = this.tagWeight;
    let s = 0;
    for (let p = indptr[item]; p < indptr[item + 1]; p++) s += tagWeight[indices[p]] * values[p];
    const value = s / this.norm;
    this.stamps[item] = this.generation;
    this.memo[item] = value;
    return value;
  }

  categoryAffinity(item: number): number {
    const c = this.index.category[item];
    return c >= 0 ? this.categoryShare[c] : 0;
  }

  /** The profile's strongest tags, for candidate lookup. */
  topTags(count: number): number[] {
    // Insertion into a short sorted prefix: a profile touches hundreds of tags, ten are asked.
    const top: number[] = [];
    const weight = this.tagWeight;
    const better = (a: number, b: number) => weight[a] > weight[b] || (weight[a] === weight[b] && a < b);
    for (const t of this.touchedTags) {
      if (top.length === count && (count === 0 || !better(t, top[count - 1]))) continue;
      let s = top.length < count ? top.length : count - 1;
      while (s > 0 && better(t, top[s - 1])) {
        top[s] = top[s - 1];
        s--;
      }
      top[s] = t;
    }
    return top;
  }

  /** Shared tags between the profile and an item, strongest first (explanations). */
  sharedTags(item: number, count: number): number[] {
    const { itemTags } = this.index;
    const shared: [number, number][] = [];
    for (let p = itemTags.indptr[item]; p < itemTags.indptr[item + 1]; p++) {
      const t = itemTags.indices[p];
      if (this.tagWeight[t] > 0) shared.push([t, this.tagWeight[t] * itemTags.values[p]]);
    }
    return shared.sort((a, b) => b[1] - a[1]).slice(0, count).map(([t]) => t);
  }
}
