/**
 * Plain-data input of friend suggestion: typed arrays and numbers only, so it can be
 * transferred to a worker thread as is. Users are dense indices 0..numUsers-1.
 */

/** Compressed sparse rows: row r's entries are targets[offsets[r] .. offsets[r+1]). */
export interface Csr {
  offsets: Int32Array;
  targets: Int32Array;
}

/** User-item interactions (e.g. Last.fm plays), one row per user; values > 0. */
export interface InteractionCsr extends Csr {
  numItems: number;
  values: Float32Array;
}

export interface FriendTrainingData {
  numUsers: number;
  /** Directed follows u -> v; a friendship is a follow in both directions. Rows sorted, no duplicates. */
  follows: Csr;
  interactions?: InteractionCsr;
  /** 1 = never suggested to anyone (deactivated, erased); length numUsers when present. */
  excluded?: Uint8Array;
}

/** Builds a CSR with sorted, de-duplicated rows; self-pairs are dropped. */
export function buildCsr(numRows: number, from: ArrayLike<number>, to: ArrayLike<number>): Csr {
  const counts = new Int32Array(numRows + 1);
  for (let e = 0; e < from.length; e++) if (from[e] !== to[e]) counts[from[e] + 1]++;
  for (let r = 0; r < numRows; r++) counts[r + 1] += counts[r];
  const fill = counts.slice(0, numRows);
  const raw = new Int32Array(counts[numRows]);
  for (let e = 0; e < from.length; e++) if (from[e] !== to[e]) raw[fill[from[e]]++] = to[e];
  const offsets = new Int32Array(numRows + 1);
  const targets = new Int32Array(raw.length);
  let w = 0;
  for (let r = 0; r < numRows; r++) {
    const row = raw.subarray(counts[r], counts[r + 1]).sort();
    for (let i = 0; i < row.length; i++) if (i === 0 || row[i] !== row[i - 1]) targets[w++] = row[i];
    offsets[r + 1] = w;
  }
  return { offsets, targets: targets.slice(0, w) };
}

/** Friendships given once per pair become follows in both directions. */
export function mutualFollows(numUsers: number, a: ArrayLike<number>, b: ArrayLike<number>): Csr {
  const from = new Int32Array(a.length * 2);
  const to = new Int32Array(a.length * 2);
  for (let e = 0; e < a.length; e++) {
    from[2 * e] = a[e];
    to[2 * e] = b[e];
    from[2 * e + 1] = b[e];
    to[2 * e + 1] = a[e];
  }
  return buildCsr(numUsers, from, to);
}

/** Interactions of (user, item, value) triples; repeated pairs keep the sum of values. */
export function buildInteractions(
  numUsers: number,
  numItems: number,
  users: ArrayLike<number>,
  items: ArrayLike<number>,
  values: ArrayLike<number>,
): InteractionCsr {
  const byPair = new Map<number, number>();
  for (let e = 0; e < users.length; e++) {
    const key = users[e] * numItems + items[e];
    byPair.set(key, (byPair.get(key) ?? 0) + values[e]);
  }
  const keys = [...byPair.keys()].sort((x, y) => x - y);
  const offsets = new Int32Array(numUsers + 1);
  const targets = new Int32Array(keys.length);
  const vals = new Float32Array(keys.length);
  keys.forEach((key, i) => {
    const u = Math.floor(key / numItems);
    offsets[u + 1]++;
    targets[i] = key - u * numItems;
    vals[i] = byPair.get(key)!;
  });
  for (let u = 0; u < numUsers; u++) offsets[u + 1] += offsets[u];
  return { numItems, offsets, targets, values: vals };
}

/** True when v is in the sorted row r of csr (binary search). */
export function hasEntry(csr: Csr, r: number, v: number): boolean {
  let lo = csr.offsets[r];
  let hi = csr.offsets[r + 1] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const x = csr.targets[mid];
    if (x === v) return true;
    if (x < v) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** The transpose: row v lists every u with an entry u -> v. */
export function transpose(numRows: number, csr: Csr): Csr {
  const from = new Int32Array(csr.targets.length);
  for (let u = 0; u < numRows; u++) from.fill(u, csr.offsets[u], csr.offsets[u + 1]);
  return buildCsr(numRows, csr.targets, from);
}
