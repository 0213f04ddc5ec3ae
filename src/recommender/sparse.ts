/**
 * The one compressed-sparse-rows layout of the recommender, for item interactions, tags,
 * neighbour lists and the follow graph alike: row r holds `indices[indptr[r] .. indptr[r+1])`,
 * optionally weighted by `values` at the same positions. Plain typed arrays, so a matrix can
 * be posted to a worker thread and stored in an artifact as is.
 */

export interface Csr {
  indptr: Int32Array;
  indices: Int32Array;
  values?: Float32Array;
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

/**
 * The pattern of a graph's edges from -> to: rows sorted and de-duplicated, self-pairs
 * dropped, no values. Unlike cooToCsr it sorts each row in place as a typed array (no
 * permutation), which keeps rebuilding a large follow graph cheap.
 */
export function graphCsr(numRows: number, from: ArrayLike<number>, to: ArrayLike<number>): Csr {
  const counts = new Int32Array(numRows + 1);
  for (let e = 0; e < from.length; e++) if (from[e] !== to[e]) counts[from[e] + 1]++;
  for (let r = 0; r < numRows; r++) counts[r + 1] += counts[r];
  const fill = counts.slice(0, numRows);
  const raw = new Int32Array(counts[numRows]);
  for (let e = 0; e < from.length; e++) if (from[e] !== to[e]) raw[fill[from[e]]++] = to[e];
  const indptr = new Int32Array(numRows + 1);
  const indices = new Int32Array(raw.length);
  let w = 0;
  for (let r = 0; r < numRows; r++) {
    const row = raw.subarray(counts[r], counts[r + 1]).sort();
    for (let i = 0; i < row.length; i++) if (i === 0 || row[i] !== row[i - 1]) indices[w++] = row[i];
    indptr[r + 1] = w;
  }
  return { indptr, indices: indices.slice(0, w) };
}

/** The transpose of a CSR matrix with `numCols` columns; rows stay sorted, values (when present) follow. */
export function transpose(m: Required<Csr>, numCols: number): Required<Csr>;
export function transpose(m: Csr, numCols: number): Csr;
export function transpose(m: Csr, numCols: number): Csr {
  const numRows = m.indptr.length - 1;
  const indptr = new Int32Array(numCols + 1);
  for (let p = 0; p < m.indices.length; p++) indptr[m.indices[p] + 1]++;
  for (let c = 0; c < numCols; c++) indptr[c + 1] += indptr[c];
  const next = indptr.slice(0, numCols);
  const indices = new Int32Array(m.indices.length);
  const values = m.values ? new Float32Array(m.indices.length) : undefined;
  for (let r = 0; r < numRows; r++) {
    for (let p = m.indptr[r]; p < m.indptr[r + 1]; p++) {
      const q = next[m.indices[p]]++;
      indices[q] = r;
      if (values) values[q] = m.values![p];
    }
  }
  return values ? { indptr, indices, values } : { indptr, indices };
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
