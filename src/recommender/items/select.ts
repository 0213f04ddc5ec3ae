/**
 * Per-request top-k selection that keeps exactly what neighbours.ts's TopKSelector keeps
 * (the same heap, the same tie handling at the boundary) but drains into reusable buffers:
 * candidate generation runs several selections per user, and allocating and sorting
 * through closures was a large share of its cost.
 */
export class TopK {
  private readonly idx: Int32Array;
  private readonly val: Float64Array;
  size = 0;
  /** After drain(): the kept pairs, best first (value descending, then index ascending). */
  readonly indices: Int32Array;
  readonly values: Float64Array;
  count = 0;

  constructor(readonly k: number) {
    this.idx = new Int32Array(k);
    this.val = new Float64Array(k);
    this.indices = new Int32Array(k);
    this.values = new Float64Array(k);
  }

  /** TopKSelector.push (by value, not magnitude). */
  push(index: number, value: number): void {
    const { idx, val, k } = this;
    if (this.size < k) {
      let i = this.size++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (val[p] <= value) break;
        idx[i] = idx[p];
        val[i] = val[p];
        i = p;
      }
      idx[i] = index;
      val[i] = value;
    } else if (k > 0 && value > val[0]) {
      siftDown(idx, val, k, 0, index, value);
    }
  }

  /**
   * Pops the min-heap from the back of the output, so values come out descending; runs of
   * equal values are then put in index order, which makes the order total (pushed indices
   * are distinct) and so equal to TopKSelector.drain's sort.
   */
  drain(): void {
    const { idx, val, indices, values } = this;
    let size = this.size;
    this.count = size;
    while (size > 0) {
      indices[size - 1] = idx[0];
      values[size - 1] = val[0];
      size--;
      if (size > 0) siftDown(idx, val, size, 0, idx[size], val[size]);
    }
    for (let t = 1; t < this.count; t++) {
      const v = values[t];
      const j = indices[t];
      let s = t;
      while (s > 0 && values[s - 1] === v && indices[s - 1] > j) {
        indices[s] = indices[s - 1];
        s--;
      }
      indices[s] = j;
    }
    this.size = 0;
  }
}

/** Puts (index, value) at heap position `i` of a min-heap of `size` and restores the heap below it. */
function siftDown(idx: Int32Array, val: Float64Array, size: number, i: number, index: number, value: number): void {
  for (;;) {
    const l = 2 * i + 1;
    if (l >= size) break;
    const c = l + 1 < size && val[l + 1] < val[l] ? l + 1 : l;
    if (val[c] >= value) break;
    idx[i] = idx[c];
    val[i] = val[c];
    i = c;
  }
  idx[i] = index;
  val[i] = value;
}
