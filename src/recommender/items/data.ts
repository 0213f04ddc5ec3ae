/**
 * The item recommender's training input and the sparse layouts built from it. Everything
 * here is plain numbers and typed arrays so a value can be posted to a worker thread
 * (structured clone, or transfer of the underlying buffers) without conversion.
 */

/** Compressed sparse rows: row r holds `indices[indptr[r] .. indptr[r+1])`, optionally weighted. */
export interface Csr {
  indptr: Int32Array;
  indices: Int32Array;
  values?: Float32Array;
}

export interface ItemFeatures {
  /** Category index per item, -1 when unknown. */
  category?: Int32Array;
  numCategories?: number;
  /** Tag indices per item (CSR over items; values, when present, are tag weights). */
  tags?: Csr;
  numTags?: number;
  /** Creation time per item in Unix seconds, NaN when unknown. */
  createdAt?: Float64Array;
}

/**
 * One training snapshot. Users and items are dense indices 0..numUsers-1 / 0..numItems-1;
 * the extractor owns the mapping to database ids.
 *
 * `weights[e] > 0` is a positive (already combining per-type weights and time decay);
 * `weights[e] < 0` marks a HIDE: never a positive, and excluded from that user's results.
 * Pairs may repeat: weights of repeated positive pairs are summed, and a HIDE wins.
 */
export interface ItemTrainingData {
  numUsers: number;
  numItems: number;
  users: Int32Array;
  items: Int32Array;
  weights: Float32Array;
  /** Interaction time per pair in Unix seconds (enables trending); absent when unknown. */
  times?: Float64Array;
  /** Reference "now" in Unix seconds for trending and freshness; defaults to the latest time. */
  now?: number;
  /** Directed follow graph, user -> followees. A friend is a mutual follow. */
  follows?: Csr;
  itemFeatures?: ItemFeatures;
}

/** A user's current state as the serving layer sees it at request time. */
export interface UserHistory {
  /** The user's own index in the training data, when known (never their own "similar user"). */
  user?: number;
  items: ArrayLike<number>;
  /** Same length as `items`; defaults to 1 each. */
  weights?: ArrayLike<number>;
  /** Items the user hid: never recommended. */
  hidden?: ArrayLike<number>;
  /** Followee user indices (current, from the database). */
  followees?: ArrayLike<number>;
  /** The followees who follow back (friends); a subset of `followees`. */
  friends?: ArrayLike<number>;
}

/** Builds CSR rows of `rows` x cols from COO; duplicate (row, col) pairs have values summed. */
export function cooToCsr(
  numRows: number,
  rows: ArrayLike<number>,
  cols: ArrayLike<number>,
  values?: ArrayLike<number>,
): Required<Csr> {
  const count = new Int32Array(numRows + 1);
  for (let e = 0; e < rows.length; e++) count[rows[e] + 1]++;
  for (let r = 0; r < numRows; r++) count[r + 1] += count[r];
  const next = count.slice(0, numRows);
  const idx = new Int32Array(rows.length);
  const val = new Float32Array(rows.length);
  for (let e = 0; e < rows.length; e++) {
    const p = next[rows[e]]++;
    idx[p] = cols[e];
    val[p] = values ? values[e] : 1;
  }
  return sortAndMergeRows(numRows, count, idx, val);
}

function sortAndMergeRows(numRows: number, indptr: Int32Array, idx: Int32Array, val: Float32Array): Required<Csr> {
  const outPtr = new Int32Array(numRows + 1);
  let w = 0;
  const order: number[] = [];
  for (let r = 0; r < numRows; r++) {
    const a = indptr[r];
    const b = indptr[r + 1];
    order.length = 0;
    for (let p = a; p < b; p++) order.push(p);
    order.sort((x, y) => idx[x] - idx[y]);
    const rowIdx = order.map((p) => idx[p]);
    const rowVal = order.map((p) => val[p]);
    for (let t = 0; t < rowIdx.length; t++) {
      if (t > 0 && rowIdx[t] === idx[w - 1] && w > outPtr[r]) val[w - 1] += rowVal[t];
      else {
        idx[w] = rowIdx[t];
        val[w] = rowVal[t];
        w++;
      }
    }
    outPtr[r + 1] = w;
  }
  return { indptr: outPtr, indices: idx.slice(0, w), values: val.slice(0, w) };
}

/** The transpose of a CSR matrix with `numCols` columns; rows of the result stay sorted. */
export function transpose(m: Csr, numCols: number): Required<Csr> {
  const numRows = m.indptr.length - 1;
  const indptr = new Int32Array(numCols + 1);
  for (let p = 0; p < m.indices.length; p++) indptr[m.indices[p] + 1]++;
  for (let c = 0; c < numCols; c++) indptr[c + 1] += indptr[c];
  const next = indptr.slice(0, numCols);
  const indices = new Int32Array(m.indices.length);
  const values = new Float32Array(m.indices.length);
  for (let r = 0; r < numRows; r++) {
    for (let p = m.indptr[r]; p < m.indptr[r + 1]; p++) {
      const q = next[m.indices[p]]++;
      indices[q] = r;
      values[q] = m.values ? m.values[p] : 1;
    }
  }
  return { indptr, indices, values };
}

export interface Interactions {
  /** Positives per user (values = summed weights). */
  byUser: Required<Csr>;
  /** Positives per item (values = the same weights). */
  byItem: Required<Csr>;
  /** Hidden items per user. */
  hidden: Csr;
}

/** Splits the COO pairs into positives (by user and by item) and hides; a hide removes a positive. */
export function buildInteractions(data: ItemTrainingData): Interactions {
  const hiddenRows: number[] = [];
  const hiddenCols: number[] = [];
  for (let e = 0; e < data.weights.length; e++) {
    if (data.weights[e] < 0) {
      hiddenRows.push(data.users[e]);
      hiddenCols.push(data.items[e]);
    }
  }
  const hidden = cooToCsr(data.numUsers, hiddenRows, hiddenCols);
  const isHidden = (u: number, i: number) => rowHas(hidden, u, i);
  const keep: number[] = [];
  for (let e = 0; e < data.weights.length; e++) {
    if (data.weights[e] > 0 && !(hiddenRows.length && isHidden(data.users[e], data.items[e]))) keep.push(e);
  }
  const users = keep.map((e) => data.users[e]);
  const items = keep.map((e) => data.items[e]);
  const weights = keep.map((e) => data.weights[e]);
  const byUser = cooToCsr(data.numUsers, users, items, weights);
  const byItem = transpose(byUser, data.numItems);
  return { byUser, byItem, hidden: { indptr: hidden.indptr, indices: hidden.indices } };
}

/** Binary search in a sorted CSR row. */
export function rowHas(m: Csr, row: number, col: number): boolean {
  return rowPosition(m, row, col) >= 0;
}

/** Where `col` sits in a sorted CSR row (its index into indices), or -1. */
export function rowPosition(m: Csr, row: number, col: number): number {
  let lo = m.indptr[row];
  let hi = m.indptr[row + 1] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = m.indices[mid];
    if (v === col) return mid;
    if (v < col) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

export function rowLength(m: Csr, row: number): number {
  return m.indptr[row + 1] - m.indptr[row];
}
