// Shared by serving (candidate lists), training and evaluation, so it lives outside eval/.

/**
 * Indices of the k largest scores, best first (ties by lower index), skipping excluded
 * indices, NaN and -Infinity. A bounded min-heap: O(n log k), no full sort of the catalogue.
 * The heap lives in typed arrays (friend candidate generation calls this three times per
 * user over thousands of scores); which of several equal scores at the cut survive depends
 * on the heap's order of operations, so that order is part of the behaviour.
 */
export function topK(scores: ArrayLike<number>, k: number, exclude?: (index: number) => boolean): number[] {
  const capacity = Math.max(0, Math.min(Math.ceil(k), scores.length));
  const heapIdx = new Int32Array(capacity);
  const heapVal = new Float64Array(capacity);
  let size = 0;
  for (let j = 0; j < scores.length; j++) {
    const v = scores[j];
    if (v === -Infinity || Number.isNaN(v) || (exclude && exclude(j))) continue;
    if (size < capacity) {
      // Sift up from the new leaf.
      let i = size++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (heapVal[p] <= v) break;
        heapIdx[i] = heapIdx[p];
        heapVal[i] = heapVal[p];
        i = p;
      }
      heapIdx[i] = j;
      heapVal[i] = v;
    } else if (size > 0 && v > heapVal[0]) {
      // Replace the smallest and sift it down.
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        let mv = v;
        if (l < size && heapVal[l] < mv) {
          m = l;
          mv = heapVal[l];
        }
        if (r < size && heapVal[r] < mv) m = r;
        if (m === i) break;
        heapIdx[i] = heapIdx[m];
        heapVal[i] = heapVal[m];
        i = m;
      }
      heapIdx[i] = j;
      heapVal[i] = v;
    }
  }
  const order = Array.from({ length: size }, (_, i) => i).sort((a, b) => heapVal[b] - heapVal[a] || heapIdx[a] - heapIdx[b]);
  return order.map((i) => heapIdx[i]);
}
