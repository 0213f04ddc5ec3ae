/**
 * Reference scorers for the offline comparison (not served): global popularity and the
 * sum of friends' items. Both fill a dense score array over the catalogue.
 */
import type { Csr } from '../../sparse';

/** Distinct users per item (training positives by item). */
export function popularityScores(byItem: Csr): Float32Array {
  const n = byItem.indptr.length - 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = byItem.indptr[i + 1] - byItem.indptr[i];
  return out;
}

/**
 * For each item, how many of the user's followees have it; popularity breaks ties (scaled
 * below one friend), so users without friends get the popular order.
 */
export function friendsItemsScores(userItems: Csr, followees: ArrayLike<number>, popularity: Float32Array, out: Float32Array): void {
  let maxPop = 1;
  for (let i = 0; i < popularity.length; i++) if (popularity[i] > maxPop) maxPop = popularity[i];
  for (let i = 0; i < out.length; i++) out[i] = (0.5 * popularity[i]) / maxPop;
  for (let f = 0; f < followees.length; f++) {
    const v = followees[f];
    for (let p = userItems.indptr[v]; p < userItems.indptr[v + 1]; p++) out[userItems.indices[p]] += 1;
  }
}
