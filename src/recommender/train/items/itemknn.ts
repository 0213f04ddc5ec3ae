/**
 * Sparse item-item models from co-occurrence, for catalogues too large for an exact EASE:
 * cosine ItemKNN and RP3beta (Paudel et al. 2017, alpha = 1). Work is sum over users of
 * (their item count)^2; memory is one dense accumulator over items plus the kept lists.
 */
import type { Interactions } from '../../items/data';
import { NeighbourListBuilder, TopKSelector, type NeighbourLists } from '../../items/neighbours';

export interface ItemKnnConfig {
  similarity: 'cosine' | 'rp3beta';
  neighbours: number;
  /** Cosine: added to the denominator, damping pairs with little support. */
  shrink: number;
  /** RP3beta: target popularity is divided out with this exponent. */
  beta: number;
  /** Items with fewer users get no list and are never a neighbour (bounds the lists' size). */
  minSupport?: number;
}

export function fitItemKnn(x: Interactions, numItems: number, config: ItemKnnConfig): NeighbourLists {
  const { byUser, byItem } = x;
  const numUsers = byUser.indptr.length - 1;
  const norm = new Float64Array(numItems);
  const degree = new Float64Array(numItems);
  for (let i = 0; i < numItems; i++) {
    let s = 0;
    for (let p = byItem.indptr[i]; p < byItem.indptr[i + 1]; p++) s += byItem.values[p] ** 2;
    norm[i] = Math.sqrt(s);
    degree[i] = byItem.indptr[i + 1] - byItem.indptr[i];
  }
  // RP3beta walks user -> item with probability x_uj / deg_u.
  const userScale = new Float64Array(numUsers);
  for (let u = 0; u < numUsers; u++) {
    let s = 0;
    for (let p = byUser.indptr[u]; p < byUser.indptr[u + 1]; p++) s += byUser.values[p];
    userScale[u] = config.similarity === 'rp3beta' ? (s > 0 ? 1 / s : 0) : 1;
  }
  const targetScale = new Float64Array(numItems);
  for (let j = 0; j < numItems; j++) {
    targetScale[j] = config.similarity === 'rp3beta' ? (degree[j] > 0 ? degree[j] ** -config.beta : 0) : 1;
  }
  const cooc = new Float64Array(numItems);
  const touched = new Int32Array(numItems);
  const selector = new TopKSelector(config.neighbours);
  const builder = new NeighbourListBuilder(numItems);
  const minSupport = Math.max(1, config.minSupport ?? 1);
  for (let i = 0; i < numItems; i++) {
    if (degree[i] < minSupport) continue;
    let count = 0;
    let outSum = 0;
    for (let p = byItem.indptr[i]; p < byItem.indptr[i + 1]; p++) {
      const u = byItem.indices[p];
      const wi = byItem.values[p] * userScale[u];
      outSum += byItem.values[p];
      for (let q = byUser.indptr[u]; q < byUser.indptr[u + 1]; q++) {
        const j = byUser.indices[q];
        if (j === i || degree[j] < minSupport) continue;
        if (cooc[j] === 0) touched[count++] = j;
        cooc[j] += wi * byUser.values[q];
      }
    }
    for (let t = 0; t < count; t++) {
      const j = touched[t];
      const c = cooc[j];
      cooc[j] = 0;
      const sim =
        config.similarity === 'cosine' ? c / (norm[i] * norm[j] + config.shrink) : (c / outSum) * targetScale[j];
      if (sim > 0) selector.push(j, sim);
    }
    builder.set(i, selector.drain());
  }
  return builder.build();
}
