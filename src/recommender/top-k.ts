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

  /** Indices best first, ties by lower index (the heap is used up). */
  ranked(): number[] {
    sortBestFirst(this.idx, this.val, this.size);
    return Array.from(this.idx.subarray(0, this.size));
  }
}

/**
 * The same heap for per-request selections, drained best first into buffers it keeps:
 * candidate generation runs several selections per user, and fresh arrays per drain were a
 * large share of its cost. It keeps exactly what TopKSelector (items/neighbours.ts) keeps.
 */
export class TopK extends BoundedHeap {
  /** After drain(): the kept pairs, best first (value descending, then index ascending). */
  readonly indices: Int32Array;
  readonly values: Float64Array;
  count = 0;

  constructor(k: number) {
    super(k);
    this.indices = new Int32Array(k);
    this.values = new Float64Array(k);
  }

  push(index: number, value: number): void {
    this.offer(index, value);
  }

  /** Fills indices/values and empties the heap for the next selection. */
  drain(): void {
    const n = this.size;
    sortBestFirst(this.idx, this.val, n);
    this.indices.set(this.idx.subarray(0, n));
    this.values.set(this.val.subarray(0, n));
    this.count = n;
    this.size = 0;
  }
}

/** Below this length a range is finished by insertion sort. */
const INSERTION_MAX = 16;

/**
 * Sorts the first n (index, value) pairs of the parallel arrays in place, larger value first
 * and lower index first among equal values (NaN-free values). A comparator closure over an
 * index array costs a call per comparison; with a neighbour list per item that sort was a
 * tenth of a training run.
 */
export function sortBestFirst(idx: Int32Array, val: Float64Array, n: number): void {
  sortRange(idx, val, 0, n - 1);
}

function sortRange(idx: Int32Array, val: Float64Array, lo: number, hi: number): void {
  while (hi - lo >= INSERTION_MAX) {
    // Hoare partition around the middle pair; recursing into the smaller side bounds the depth by log n.
    const mid = (lo + hi) >> 1;
    const pi = idx[mid];
    const pv = val[mid];
    let i = lo - 1;
    let j = hi + 1;
    for (;;) {
      do i++;
      while (val[i] > pv || (val[i] === pv && idx[i] < pi));
      do j--;
      while (pv > val[j] || (pv === val[j] && pi < idx[j]));
      if (i >= j) break;
      const ti = idx[i];
      const tv = val[i];
      idx[i] = idx[j];
      val[i] = val[j];
      idx[j] = ti;
      val[j] = tv;
    }
    if (j - lo < hi - j) {
      sortRange(idx, val, lo, j);
      lo = j + 1;
    } else {
      sortRange(idx, val, j + 1, hi);
      hi = j;
    }
  }
  for (let i = lo + 1; i <= hi; i++) {
    const ci = idx[i];
    const cv = val[i];
    let j = i - 1;
    while (j >= lo && (cv > val[j] || (cv === val[j] && ci < idx[j]))) {
      idx[j + 1] = idx[j];
      val[j + 1] = val[j];
      j--;
    }
    idx[j + 1] = ci;
    val[j + 1] = cv;
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

/**
 * The k-th largest of a[0..n) (1 <= k <= n, NaN-free), by quickselect; reorders a.
 * Expected O(n), where a bounded heap needs O(n log k) once many values enter it.
 */
export function kthLargest(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    // Hoare partition, larger values to the left.
    while (i <= j) {
      while (a[i] > pivot) i++;
      while (a[j] < pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    // Now a[lo..j] >= pivot >= a[i..hi], and a[j+1..i-1] equal the pivot.
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return pivot;
  }
  return a[target];
}
