/**
 * The graph structures friend suggestion reads, derived once per graph snapshot from
 * FriendTrainingData in O(edges): followers, the undirected neighbourhood (follow in
 * either direction), per-neighbour Adamic-Adar / resource-allocation weights and the
 * interest index. Building it is the serving layer's job when the graph changes.
 */
import { type Csr, graphCsr, transpose } from '../sparse';
import { FriendTrainingData } from './data';

export interface InterestIndex {
  /** Row per user: items with L2-normalised weights. */
  byUser: Required<Csr>;
  /** Row per item: users with the same weights, for sparse cosine products. */
  byItem: Required<Csr>;
}

export interface SocialGraph {
  numUsers: number;
  follows: Csr;
  followers: Csr;
  /** Undirected: u and v are neighbours when either follows the other. Rows sorted. */
  neighbours: Csr;
  degree: Int32Array;
  /** 1 / ln(degree), 0 below degree 2: a common neighbour's Adamic-Adar contribution. */
  aaWeight: Float64Array;
  /** 1 / degree: a common neighbour's resource-allocation contribution. */
  raWeight: Float64Array;
  interest: InterestIndex | null;
  excluded: Uint8Array;
}

export function prepareGraph(data: FriendTrainingData): SocialGraph {
  const n = data.numUsers;
  const follows = data.follows;
  if (follows.indptr.length !== n + 1) throw new Error(`follows.indptr must have ${n + 1} entries`);
  const followers = transpose(follows, n);
  const neighbours = isSymmetric(follows, followers) ? follows : union(n, follows, followers);
  const degree = new Int32Array(n);
  const aaWeight = new Float64Array(n);
  const raWeight = new Float64Array(n);
  for (let u = 0; u < n; u++) {
    const d = neighbours.indptr[u + 1] - neighbours.indptr[u];
    degree[u] = d;
    aaWeight[u] = d > 1 ? 1 / Math.log(d) : 0;
    raWeight[u] = d > 0 ? 1 / d : 0;
  }
  const excluded = data.excluded ?? new Uint8Array(n);
  if (excluded.length !== n) throw new Error(`excluded must have ${n} entries`);
  const interest = data.interactions ? buildInterestIndex(n, data.interactions) : null;
  return { numUsers: n, follows, followers, neighbours, degree, aaWeight, raWeight, interest, excluded };
}

function isSymmetric(a: Csr, b: Csr): boolean {
  if (a.indices.length !== b.indices.length) return false;
  for (let i = 0; i < a.indptr.length; i++) if (a.indptr[i] !== b.indptr[i]) return false;
  for (let i = 0; i < a.indices.length; i++) if (a.indices[i] !== b.indices[i]) return false;
  return true;
}

function union(n: number, a: Csr, b: Csr): Csr {
  const from = new Int32Array(a.indices.length + b.indices.length);
  const to = new Int32Array(from.length);
  let e = 0;
  for (const csr of [a, b]) {
    for (let u = 0; u < n; u++) {
      for (let i = csr.indptr[u]; i < csr.indptr[u + 1]; i++) {
        from[e] = u;
        to[e++] = csr.indices[i];
      }
    }
  }
  return graphCsr(n, from, to);
}

/**
 * Interest vectors: log(1 + value) times the item's inverse user frequency, L2-normalised,
 * so a dot product is a cosine that discounts items everybody has.
 */
function buildInterestIndex(n: number, inter: FriendTrainingData['interactions'] & object): InterestIndex {
  const m = inter.numItems;
  const df = new Int32Array(m);
  for (let i = 0; i < inter.indices.length; i++) df[inter.indices[i]]++;
  const weights = new Float32Array(inter.indices.length);
  for (let u = 0; u < n; u++) {
    let norm = 0;
    for (let i = inter.indptr[u]; i < inter.indptr[u + 1]; i++) {
      const w = Math.log1p(inter.values[i]) * Math.log(1 + n / df[inter.indices[i]]);
      weights[i] = w;
      norm += w * w;
    }
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let i = inter.indptr[u]; i < inter.indptr[u + 1]; i++) weights[i] *= scale;
  }
  const byUser = { indptr: inter.indptr, indices: inter.indices, values: weights };
  return { byUser, byItem: transpose(byUser, m) };
}
