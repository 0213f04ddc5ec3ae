/**
 * Sparse item-item neighbour lists, the form every item-item model is reduced to: row i
 * holds the items that history item i votes for, with their weights, best first. Scoring
 * a user is then sum over history of these rows, so it is cheap and always current.
 */
import type { Csr } from '../sparse';

export type NeighbourLists = Required<Csr>;

/** Keeps the k largest (index, value) pairs of a row; reusable across rows. */
export class TopKSelector {
  private readonly idx: Int32Array;
  private readonly val: Float64Array;
  private readonly key: Float64Array;
  private size = 0;

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
  }

  push(index: number, value: number): void {
    const { idx, val, key, k } = this;
    const rank = this.byMagnitude ? Math.abs(value) : value;
    if (this.size < k) {
      let i = this.size++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (key[p] <= rank) break;
        idx[i] = idx[p];
        val[i] = val[p];
        key[i] = key[p];
        i = p;
      }
      idx[i] = index;
      val[i] = value;
      key[i] = rank;
    } else if (k > 0 && rank > key[0]) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= k) break;
        const c = l + 1 < k && key[l + 1] < key[l] ? l + 1 : l;
        if (key[c] >= rank) break;
        idx[i] = idx[c];
        val[i] = val[c];
        key[i] = key[c];
        i = c;
      }
      idx[i] = index;
      val[i] = value;
      key[i] = rank;
    }
  }

  /** The kept pairs, best first. */
  drain(): { indices: Int32Array; values: Float32Array } {
    const order = Array.from({ length: this.size }, (_, t) => t).sort(
      (a, b) => this.val[b] - this.val[a] || this.idx[a] - this.idx[b],
    );
    const indices = Int32Array.from(order, (t) => this.idx[t]);
    const values = Float32Array.from(order, (t) => this.val[t]);
    this.size = 0;
    return { indices, values };
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
