/**
 * EASE (Steck 2019) computed exactly, reduced to top-k neighbour lists.
 *
 * B = I - P diag(1/diag P) with P = (X^T X + diag(lambda_j))^-1, lambda_j = lambda + dropout * G_jj
 * (dropout > 0 gives the EDLAE variant, Steck 2020; dropout 0 is plain EASE). Only an
 * m x m inverse is ever formed, m = min(active users, active items):
 *
 * - primal (items <= users): invert G + Lambda directly; B_ij = -P_ij / P_jj.
 * - dual (users < items), by Woodbury: with K = I + X Lambda^-1 X^T and c_ij = x_i^T K^-1 x_j
 *   (x_i = column i of X), P_ij = delta_ij/lambda_i - c_ij/(lambda_i lambda_j), hence
 *   B_ij = c_ij lambda_j / (lambda_i (lambda_j - c_jj)) for i != j. Row i needs
 *   y = K^-1 x_i (nnz_i rows of K^-1) and c_i = X^T y (one pass over X): O(nnz(X)) per item.
 */
import type { Interactions } from '../../items/data';
import { invertSpdInPlace, type SpdInverse } from './dense';
import { NeighbourListBuilder, TopKSelector, type NeighbourLists } from '../../items/neighbours';
import { transpose } from '../../sparse';

export interface EaseConfig {
  lambda: number;
  /** EDLAE emphasis: adds dropout * G_jj to item j's regulariser. 0 = EASE. */
  dropout: number;
  /** Neighbours kept per item. */
  neighbours: number;
  /**
   * Catalogues with at most this many active items keep every weight: with long histories
   * the many small weights add up (top-200 lists lose ~0.006 Recall@10 on MovieLens-100K).
   */
  keepAllBelow: number;
  /** Items with fewer training users get no list and are never a target. */
  minSupport: number;
  /** Only the most popular items up to this many take part (bounds the primal form's size). */
  maxItems?: number;
}

/** Above this many items the dual form gathers all of C per row (its n x n float32 copy would pass 256 MB). */
const SYMMETRIC_MAX_ITEMS = 8192;

/** The size of the dense matrix EASE would invert, and which form it would use. */
export function easeDimension(x: Interactions, minSupport: number, maxItems?: number): { form: 'primal' | 'dual'; dim: number } {
  const { activeItems, activeUsers } = activeSets(x, minSupport, maxItems);
  return activeItems.length <= activeUsers.length
    ? { form: 'primal', dim: activeItems.length }
    : { form: 'dual', dim: activeUsers.length };
}

/**
 * `inverse` does the O(m^3) part: float64 loops by default, matMulSpdInverse when training has
 * TensorFlow.js. `symmetricMaxItems` is there for tests of the dual form's other path.
 */
export function fitEase(
  x: Interactions,
  numItems: number,
  config: EaseConfig,
  inverse: SpdInverse = invertSpdInPlace,
  symmetricMaxItems = SYMMETRIC_MAX_ITEMS,
): NeighbourLists {
  const { activeItems, activeUsers, itemSlot, userSlot } = activeSets(x, config.minSupport, config.maxItems);
  const n = activeItems.length;
  const m = activeUsers.length;
  // Compact X over active users/items, by user and by item; built through transposes, so
  // both are sorted (a user's items by slot, an item's users by slot) whatever x's order.
  const compact = { indptr: new Int32Array(m + 1), indices: [] as number[], values: [] as number[] };
  activeUsers.forEach((u, a) => {
    for (let p = x.byUser.indptr[u]; p < x.byUser.indptr[u + 1]; p++) {
      const s = itemSlot[x.byUser.indices[p]];
      if (s < 0) continue;
      compact.indices.push(s);
      compact.values.push(x.byUser.values[p]);
    }
    compact.indptr[a + 1] = compact.indices.length;
  });
  const byItem = transpose({ indptr: compact.indptr, indices: Int32Array.from(compact.indices), values: Float32Array.from(compact.values) }, n);
  const byUser = transpose(byItem, m);
  const { indptr: colPtr, indices: colUser, values: colVal } = byItem;
  const { indptr: rowPtr, indices: rowIdx, values: rowVal } = byUser;
  const lambdas = new Float64Array(n);
  for (let s = 0; s < n; s++) {
    let g = 0;
    for (let p = colPtr[s]; p < colPtr[s + 1]; p++) g += colVal[p] ** 2;
    lambdas[s] = config.lambda + config.dropout * g;
  }
  const selector = new TopKSelector(n <= config.keepAllBelow ? Math.max(1, n - 1) : config.neighbours, true);
  const builder = new NeighbourListBuilder(numItems);
  const row = new Float64Array(n);
  /** Selects row s of B from row[] (indices are slots). */
  const emit = (s: number) => {
    selector.pushRow(row, n, s);
    const kept = selector.drain();
    for (let t = 0; t < kept.indices.length; t++) kept.indices[t] = activeItems[kept.indices[t]];
    builder.set(activeItems[s], kept);
  };

  if (n <= m) {
    // G = X^T X row by row, on and below the diagonal (each row's sums stay in cache), then mirrored.
    const g = new Float64Array(n * n);
    for (let s = 0; s < n; s++) {
      const gs = s * n;
      for (let p = colPtr[s]; p < colPtr[s + 1]; p++) {
        const u = colUser[p];
        const v = colVal[p];
        for (let q = rowPtr[u]; q < rowPtr[u + 1] && rowIdx[q] <= s; q++) g[gs + rowIdx[q]] += v * rowVal[q];
      }
    }
    mirrorLower(g, n);
    for (let s = 0; s < n; s++) g[s * n + s] += lambdas[s];
    inverse(g, n);
    const diagonal = new Float64Array(n);
    for (let t = 0; t < n; t++) diagonal[t] = g[t * n + t];
    for (let s = 0; s < n; s++) {
      for (let t = 0, gs = s * n; t < n; t++) row[t] = -g[gs + t] / diagonal[t];
      emit(s);
    }
    return builder.build();
  }

  // dual: K = I + X Lambda^-1 X^T over active users, row by row on and below the diagonal
  const k = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    const ka = a * m;
    for (let p = rowPtr[a]; p < rowPtr[a + 1]; p++) {
      const s = rowIdx[p];
      const v = rowVal[p] * (1 / lambdas[s]);
      for (let q = colPtr[s]; q < colPtr[s + 1] && colUser[q] <= a; q++) k[ka + colUser[q]] += v * colVal[q];
    }
  }
  mirrorLower(k, m);
  for (let a = 0; a < m; a++) k[a * m + a] += 1;
  inverse(k, m);
  // matMulSpdInverse's K^-1 is symmetric only to float32 rounding; the mean of its two
  // triangles is as close to the true inverse, and makes C exactly symmetric (below).
  symmetrize(k, m);

  // Rows in blocks of four: y_b = K^-1 x_i for each, then c_ij = sum_{u in j} y_b[u] x_uj by
  // gathering along item columns, so each column index is read once for four rows. Binary
  // data (every value 1, as training's positives are) skips the values: the same sums.
  const unit = colVal.every((v) => v === 1);
  const ys = [0, 1, 2, 3].map(() => new Float64Array(m));
  const cs = [0, 1, 2, 3].map(() => new Float64Array(n));
  /** cs[b][t] = c_{s0+b, t} for t in [from, n). */
  const gatherBlock = (s0: number, from: number) => {
    const rows = Math.min(4, n - s0);
    for (let b = 0; b < 4; b++) {
      const y = ys[b];
      y.fill(0);
      if (b >= rows) continue;
      // Four rows of K^-1 per pass over y: a quarter of y's loads and stores.
      const end = colPtr[s0 + b + 1];
      let p = colPtr[s0 + b];
      for (; p + 3 < end; p += 4) {
        const [r0, r1, r2, r3] = [colUser[p] * m, colUser[p + 1] * m, colUser[p + 2] * m, colUser[p + 3] * m];
        if (unit) {
          for (let a = 0; a < m; a++) y[a] += k[r0 + a] + k[r1 + a] + k[r2 + a] + k[r3 + a];
          continue;
        }
        const [v0, v1, v2, v3] = [colVal[p], colVal[p + 1], colVal[p + 2], colVal[p + 3]];
        for (let a = 0; a < m; a++) y[a] += v0 * k[r0 + a] + v1 * k[r1 + a] + v2 * k[r2 + a] + v3 * k[r3 + a];
      }
      for (; p < end; p++) {
        const rk = colUser[p] * m;
        const v = colVal[p];
        for (let a = 0; a < m; a++) y[a] += v * k[rk + a];
      }
    }
    const [y0, y1, y2, y3] = ys;
    const [c0, c1, c2, c3] = cs;
    for (let t = from; t < n; t++) {
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      const end = colPtr[t + 1];
      if (unit) {
        for (let p = colPtr[t]; p < end; p++) {
          const u = colUser[p];
          a0 += y0[u];
          a1 += y1[u];
          a2 += y2[u];
          a3 += y3[u];
        }
      } else {
        for (let p = colPtr[t]; p < end; p++) {
          const u = colUser[p];
          const v = colVal[p];
          a0 += y0[u] * v;
          a1 += y1[u] * v;
          a2 += y2[u] * v;
          a3 += y3[u] * v;
        }
      }
      c0[t] = a0;
      c1[t] = a1;
      c2[t] = a2;
      c3[t] = a3;
    }
    return rows;
  };
  const factor = new Float64Array(n);
  const setFactor = (s: number, css: number) => (factor[s] = lambdas[s] / (lambdas[s] - css));

  // C is symmetric as K^-1 is: each block's rows are gathered from its first row on (half the
  // gathering), the rest mirrored, and c_jj taken on the way. Kept in float32 (K^-1 from
  // matMulSpdInverse is no more precise), so Last.fm's C (6,953 items) takes 190 MB.
  if (n <= symmetricMaxItems) {
    const c = new Float32Array(n * n);
    for (let s0 = 0; s0 < n; s0 += 4) {
      const rows = gatherBlock(s0, s0);
      for (let b = 0; b < rows; b++) c.set(cs[b].subarray(s0), (s0 + b) * n + s0);
    }
    mirrorUpper(c, n);
    for (let s = 0; s < n; s++) setFactor(s, c[s * n + s]);
    for (let s = 0; s < n; s++) {
      const scale = 1 / lambdas[s];
      for (let t = 0, cs0 = s * n; t < n; t++) row[t] = c[cs0 + t] * factor[t] * scale;
      emit(s);
    }
    return builder.build();
  }

  // c_jj = x_j^T K^-1 x_j.
  for (let s = 0; s < n; s++) {
    let css = 0;
    for (let p = colPtr[s]; p < colPtr[s + 1]; p++) {
      const rk = colUser[p] * m;
      for (let q = colPtr[s]; q < colPtr[s + 1]; q++) css += colVal[p] * k[rk + colUser[q]] * colVal[q];
    }
    setFactor(s, css);
  }
  for (let s0 = 0; s0 < n; s0 += 4) {
    const rows = gatherBlock(s0, 0);
    for (let b = 0; b < rows; b++) {
      const s = s0 + b;
      const scale = 1 / lambdas[s];
      for (let t = 0; t < n; t++) row[t] = cs[b][t] * factor[t] * scale;
      emit(s);
    }
  }
  return builder.build();
}

/** Tile of the mirroring copies: a square of both triangles stays in cache. */
const MIRROR_TILE = 32;

/**
 * Sets both triangles of row-major `a` to its lower one's entries, its upper one's, or their
 * mean. The copies read their source along rows and write across them: with the strided side
 * the reads, mirroring Last.fm's C took 2.5x as long.
 */
function mirror(a: Float64Array | Float32Array, m: number, from: 'lower' | 'upper' | 'mean'): void {
  for (let i0 = 0; i0 < m; i0 += MIRROR_TILE) {
    const iEnd = Math.min(i0 + MIRROR_TILE, m);
    for (let j0 = 0; j0 <= i0; j0 += MIRROR_TILE) {
      const jEnd = Math.min(j0 + MIRROR_TILE, m);
      if (from === 'upper') {
        // a[i][j] = a[j][i] for i > j, reading row j of the tile.
        for (let j = j0; j < jEnd; j++) for (let i = Math.max(i0, j + 1), jm = j * m; i < iEnd; i++) a[i * m + j] = a[jm + i];
        continue;
      }
      for (let i = i0; i < iEnd; i++) {
        const end = Math.min(jEnd, i);
        if (from === 'lower') for (let j = j0; j < end; j++) a[j * m + i] = a[i * m + j];
        else for (let j = j0; j < end; j++) a[i * m + j] = a[j * m + i] = (a[i * m + j] + a[j * m + i]) / 2;
      }
    }
  }
}

const mirrorLower = (a: Float64Array, m: number) => mirror(a, m, 'lower');
const mirrorUpper = (a: Float32Array, m: number) => mirror(a, m, 'upper');
const symmetrize = (a: Float64Array, m: number) => mirror(a, m, 'mean');

function activeSets(x: Interactions, minSupport: number, maxItems = Infinity) {
  const numItems = x.byItem.indptr.length - 1;
  const numUsers = x.byUser.indptr.length - 1;
  const support = (i: number) => x.byItem.indptr[i + 1] - x.byItem.indptr[i];
  let eligible: number[] = [];
  for (let i = 0; i < numItems; i++) if (support(i) >= Math.max(1, minSupport)) eligible.push(i);
  if (eligible.length > maxItems) {
    eligible = eligible.sort((a, b) => support(b) - support(a) || a - b).slice(0, maxItems).sort((a, b) => a - b);
  }
  const itemSlot = new Int32Array(numItems).fill(-1);
  const activeItems = eligible;
  activeItems.forEach((i, s) => (itemSlot[i] = s));
  const userSlot = new Int32Array(numUsers).fill(-1);
  const activeUsers: number[] = [];
  for (let u = 0; u < numUsers; u++) {
    let any = false;
    for (let p = x.byUser.indptr[u]; p < x.byUser.indptr[u + 1] && !any; p++) any = itemSlot[x.byUser.indices[p]] >= 0;
    if (any) {
      userSlot[u] = activeUsers.length;
      activeUsers.push(u);
    }
  }
  return { activeItems, activeUsers, itemSlot, userSlot };
}
