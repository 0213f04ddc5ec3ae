// Shared by serving (candidate lists), training and evaluation, so it lives outside eval/.

/**
 * Indices of the k largest scores, best first, skipping excluded indices and -Infinity.
 * A bounded min-heap: O(n log k), no full sort of the catalogue.
 */
export function topK(scores: ArrayLike<number>, k: number, exclude?: (index: number) => boolean): number[] {
  const heapIdx: number[] = [];
  const heapVal: number[] = [];
  const siftDown = (i: number) => {
    const n = heapIdx.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && heapVal[l] < heapVal[m]) m = l;
      if (r < n && heapVal[r] < heapVal[m]) m = r;
      if (m === i) return;
      [heapIdx[i], heapIdx[m]] = [heapIdx[m], heapIdx[i]];
      [heapVal[i], heapVal[m]] = [heapVal[m], heapVal[i]];
      i = m;
    }
  };
  for (let j = 0; j < scores.length; j++) {
    const v = scores[j];
    if (v === -Infinity || Number.isNaN(v) || (exclude && exclude(j))) continue;
    if (heapIdx.length < k) {
      heapIdx.push(j);
      heapVal.push(v);
      let i = heapIdx.length - 1;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (heapVal[p] <= heapVal[i]) break;
        [heapIdx[i], heapIdx[p]] = [heapIdx[p], heapIdx[i]];
        [heapVal[i], heapVal[p]] = [heapVal[p], heapVal[i]];
        i = p;
      }
    } else if (k > 0 && v > heapVal[0]) {
      heapIdx[0] = j;
      heapVal[0] = v;
      siftDown(0);
    }
  }
  const order = heapIdx.map((_, i) => i).sort((a, b) => heapVal[b] - heapVal[a] || heapIdx[a] - heapIdx[b]);
  return order.map((i) => heapIdx[i]);
}
