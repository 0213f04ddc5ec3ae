/**
 * Sparse item-item neighbour lists, the form every item-item model is reduced to: row i
 * holds the items that history item i votes for, with their weights, best first. Scoring
 * a user is then sum over history of these rows, so it is cheap and always current.
 */
import type { Csr } from '../sparse';
import { kthLargest, sortBestFirst } from '../top-k';

export type NeighbourLists = Required<Csr>;

/**
 * Keeps the k largest (index, value) pairs of a row; reusable across rows. The first k pushes
 * are only stored: a row with at most k candidates (EASE keeping every weight) needs no heap,
 * and when the (k+1)-th arrives they are sifted up in push order, so the heap, and which of
 * equal keys at the cut survive, are those of pushing each into the heap as it came.
 */
export class TopKSelector {
  private readonly idx: Int32Array;
  private readonly val: Float64Array;
  private readonly key: Float64Array;
  private size = 0;
  private heaped = false;
  private scratch = new Float64Array(0);
  private positions = new Int32Array(0);

  /** `byMagnitude` ranks by |value| (keeps strong negative weights) instead of by value. */
  constructor(
    readonly k: number,
    readonly byMagnitude = false,
  ) {
    this.idx = new Int32Array(k);
    this.val = new Float64Array(k);
    this.key = new Float64Array(k);
  }

  reset(): void {
    this.size = 0;
    this.heaped = false;
  }

  push(index: number, value: number): void {
    const { key, k } = this;
    const rank = this.byMagnitude ? Math.abs(value) : value;
    if (this.size < k) {
      this.place(this.size++, index, value, rank);
      return;
    }
    if (k === 0) return;
    if (!this.heaped) this.heapify();
    if (!(rank > key[0])) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= k) break;
      const c = l + 1 < k && key[l + 1] < key[l] ? l + 1 : l;
      if (key[c] >= rank) break;
      this.move(c, i);
      i = c;
    }
    this.place(i, index, value, rank);
  }

  /**
   * push(t, values[t]) for t = 0 .. count-1 except `skip`, in that order, with the same
   * outcome, faster when many more than k are offered: a heap's sift-downs branch
   * unpredictably. A strided sample gives a cut that leaves a few more than k candidates,
   * the exact k-th largest key among them is found by quickselect, and if no other key ties
   * it, the keys at or above it are exactly the k that pushing all keeps (the heap's history
   * only decides among tied keys). Otherwise, or when the sample's cut leaves too few, all are
   * pushed.
   */
  pushRow(values: Float64Array, count: number, skip = -1): void {
    const { k } = this;
    const offered = skip >= 0 && skip < count ? count - 1 : count;
    if (this.size > 0 || offered < 4 * k || k === 0) {
      this.pushAll(values, count, skip);
      return;
    }
    if (this.scratch.length < count) [this.scratch, this.positions] = [new Float64Array(count), new Int32Array(count)];
    const { scratch: keys, positions, byMagnitude } = this;
    // Every 4th key: about k/4 of them lie above the k-th largest; the cut takes a margin
    // of a few standard deviations more, so that almost always at least k keys pass it.
    let sampled = 0;
    for (let t = 0; t < count; t += 4) if (t !== skip) keys[sampled++] = byMagnitude ? Math.abs(values[t]) : values[t];
    const expected = (sampled * k) / offered;
    const rank = Math.min(sampled, Math.ceil(expected + 4 * Math.sqrt(expected) + 4));
    const sampleCut = kthLargest(keys, sampled, rank);
    // The candidates' positions in row order. NaN keys fail every comparison: a row with one
    // (or a NaN cut) is pushed in full.
    let candidates = 0;
    let nan = sampleCut !== sampleCut;
    for (let t = 0; t < count; t++) {
      if (t === skip) continue;
      const r = byMagnitude ? Math.abs(values[t]) : values[t];
      if (r >= sampleCut) positions[candidates++] = t;
      else if (r !== r) nan = true;
    }
    if (!(candidates >= k) || nan) {
      this.pushAll(values, count, skip);
      return;
    }
    for (let c = 0; c < candidates; c++) keys[c] = byMagnitude ? Math.abs(values[positions[c]]) : values[positions[c]];
    const cut = kthLargest(keys, candidates, k);
    // The cut is at or above the sample's, so every key at or above it is a candidate.
    let atOrAbove = 0;
    for (let c = 0; c < candidates; c++) if ((byMagnitude ? Math.abs(values[positions[c]]) : values[positions[c]]) >= cut) atOrAbove++;
    if (atOrAbove !== k) {
      this.pushAll(values, count, skip);
      return;
    }
    for (let c = 0; c < candidates; c++) {
      const t = positions[c];
      if ((byMagnitude ? Math.abs(values[t]) : values[t]) >= cut) this.push(t, values[t]);
    }
  }

  private pushAll(values: Float64Array, count: number, skip: number): void {
    for (let t = 0; t < count; t++) if (t !== skip) this.push(t, values[t]);
  }

  /** The kept pairs, best first (by value, then lower index). */
  drain(): { indices: Int32Array; values: Float32Array } {
    sortBestFirst(this.idx, this.val, this.size);
    const indices = this.idx.slice(0, this.size);
    const values = new Float32Array(this.val.subarray(0, this.size));
    this.reset();
    return { indices, values };
  }

  private heapify(): void {
    const { idx, val, key } = this;
    for (let t = 1; t < this.size; t++) {
      const [index, value, rank] = [idx[t], val[t], key[t]];
      let i = t;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (key[p] <= rank) break;
        this.move(p, i);
        i = p;
      }
      this.place(i, index, value, rank);
    }
    this.heaped = true;
  }

  private place(i: number, index: number, value: number, rank: number): void {
    this.idx[i] = index;
    this.val[i] = value;
    this.key[i] = rank;
  }

  private move(from: number, to: number): void {
    this.idx[to] = this.idx[from];
    this.val[to] = this.val[from];
    this.key[to] = this.key[from];
  }
}

/** Collects rows in item order into one CSR. */
export class NeighbourListBuilder {
  private readonly rows: { indices: Int32Array; values: Float32Array }[] = [];

  constructor(private readonly numItems: number) {}

  set(item: number, row: { indices: Int32Array; values: Float32Array }): void {
    this.rows[item] = row;
  }

  build(): NeighbourLists {
    const indptr = new Int32Array(this.numItems + 1);
    for (let i = 0; i < this.numItems; i++) indptr[i + 1] = indptr[i] + (this.rows[i]?.indices.length ?? 0);
    const indices = new Int32Array(indptr[this.numItems]);
    const values = new Float32Array(indptr[this.numItems]);
    for (let i = 0; i < this.numItems; i++) {
      const row = this.rows[i];
      if (!row) continue;
      indices.set(row.indices, indptr[i]);
      values.set(row.values, indptr[i]);
    }
    return { indptr, indices, values };
  }
}

/** Adds `scale` x every neighbour row of the history items into `scores` (dense, one per item). */
export function accumulate(
  lists: NeighbourLists,
  history: ArrayLike<number>,
  weights: ArrayLike<number> | undefined,
  scores: Float32Array,
): void {
  for (let h = 0; h < history.length; h++) {
    const i = history[h];
    const w = weights ? weights[h] : 1;
    if (i < 0 || i + 1 >= lists.indptr.length) continue;
    for (let p = lists.indptr[i]; p < lists.indptr[i + 1]; p++) scores[lists.indices[p]] += w * lists.values[p];
  }
}
