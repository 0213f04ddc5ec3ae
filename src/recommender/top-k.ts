// Shared by serving (candidate lists), training and evaluation, so it lives outside eval/.

/**
 * A bounded min-heap of (index, score) in typed arrays: the k largest of the scores offered,
 * in offer order. Which of several equal scores at the cut survive depends on the heap's
 * order of operations, so that order is part of the behaviour of both functions below.
 */
class BoundedHeap {
  readonly idx: Int32Array;
  readonly val: Float64Array;
  size = 0;

  constructor(readonly capacity: number) {
    this.idx = new Int32Array(capacity);
    this.val = new Float64Array(capacity);
  }

  /** Would a score of `v` change the heap? */
  admits(v: number): boolean {
    return this.size < this.capacity || (this.size > 0 && v > this.val[0]);
  }

  offer(j: number, v: number): void {
    const { idx, val } = this;
    if (this.size < this.capacity) {
      // Sift up from the new leaf.
      let i = this.size++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (val[p] <= v) break;
        idx[i] = idx[p];
        val[i] = val[p];
        i = p;
      }
      idx[i] = j;
      val[i] = v;
    } else if (this.size > 0 && v > val[0]) {
      // Replace the smallest and sift it down.
      const size = this.size;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        let mv = v;
        if (l < size && val[l] < mv) {
          m = l;
          mv = val[l];
        }
        if (r < size && val[r] < mv) m = r;
        if (m === i) break;
        idx[i] = idx[m];
        val[i] = val[m];
        i = m;
      }
      idx[i] = j;
      val[i] = v;
    }
  }

  /** Indices best first, ties by lower index. */
  ranked(): number[] {
    const { idx, val } = this;
    const order = Array.from({ length: this.size }, (_, i) => i).sort((a, b) => val[b] - val[a] || idx[a] - idx[b]);
    return order.map((i) => idx[i]);
  }
}

/**
 * Indices of the k largest scores, best first (ties by lower index), skipping excluded
 * indices, NaN and -Infinity. O(n log k), no full sort of the catalogue.
 */
export function topK(scores: ArrayLike<number>, k: number, exclude?: (index: number) => boolean): number[] {
  const heap = new BoundedHeap(Math.max(0, Math.min(Math.ceil(k), scores.length)));
  for (let j = 0; j < scores.length; j++) {
    const v = scores[j];
    if (v === -Infinity || Number.isNaN(v) || (exclude && exclude(j))) continue;
    heap.offer(j, v);
  }
  return heap.ranked();
}

/**
 * topK(scores, k) when every score outside `touched` (ascending, distinct) is exactly 0, and
 * the same answer: a run of zeros is offered one by one only while it could change the heap
 * (not yet full, or its smallest below 0), else skipped. A user's scores over a large
 * catalogue touch a few thousand items, so this costs O(touched log k), not O(catalogue).
 */
export function topKSparse(scores: ArrayLike<number>, k: number, touched: ArrayLike<number>): number[] {
  const n = scores.length;
  const heap = new BoundedHeap(Math.max(0, Math.min(Math.ceil(k), n)));
  let next = 0;
  for (let j = 0; j < n; ) {
    if (next < touched.length && touched[next] === j) {
      const v = scores[j];
      if (v !== -Infinity && !Number.isNaN(v)) heap.offer(j, v);
      next++;
      j++;
    } else if (heap.admits(0)) {
      heap.offer(j, 0);
      j++;
    } else {
      j = next < touched.length ? touched[next] : n;
    }
  }
  return heap.ranked();
}
