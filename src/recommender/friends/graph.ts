/**
 * The graph structures friend suggestion reads, derived once per graph snapshot from
 * FriendTrainingData in O(edges): followers, the undirected neighbourhood (follow in
 * either direction), per-neighbour Adamic-Adar / resource-allocation weights and the
 * interest index. Building it is the serving layer's job when the graph changes.
 */
import { Csr, FriendTrainingData, buildCsr, transpose } from './data';

export interface InterestIndex {
  /** Row per user: items with L2-normalised weights. */
  byUser: Csr & { weights: Float32Array };
  /** Row per item: users with the same weights, for sparse cosine products. */
  byItem: Csr & { weights: Float32Array };
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
  if (follows.offsets.length !== n + 1) throw new Error(`follows.offsets must have ${n + 1} entries`);
  const followers = transpose(n, follows);
  const neighbours = isSymmetric(follows, followers) ? follows : union(n, follows, followers);
  const degree = new Int32Array(n);
  const aaWeight = new Float64Array(n);
  const raWeight = new Float64Array(n);
  for (let u = 0; u < n; u++) {
    const d = neighbours.offsets[u + 1] - neighbours.offsets[u];
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
  if (a.targets.length !== b.targets.length) return false;
  for (let i = 0; i < a.offsets.length; i++) if (a.offsets[i] !== b.offsets[i]) return false;
  for (let i = 0; i < a.targets.length; i++) if (a.targets[i] !== b.targets[i]) return false;
  return true;
}

function union(n: number, a: Csr, b: Csr): Csr {
  const from = new Int32Array(a.targets.length + b.targets.length);
  const to = new Int32Array(from.length);
  let e = 0;
  for (const csr of [a, b]) {
    for (let u = 0; u < n; u++) {
      for (let i = csr.offsets[u]; i < csr.offsets[u + 1]; i++) {
        from[e] = u;
        to[e++] = csr.targets[i];
      }
    }
  }
  return buildCsr(n, from, to);
}

/**
 * Interest vectors: log(1 + value) times the item's inverse user frequency, L2-normalised,
 * so a dot product is a cosine that discounts items everybody has.
 */
function buildInterestIndex(n: number, inter: FriendTrainingData['interactions'] & object): InterestIndex {
  const m = inter.numItems;
  const df = new Int32Array(m);
  for (let i = 0; i < inter.targets.length; i++) df[inter.targets[i]]++;
  const weights = new Float32Array(inter.targets.length);
  for (let u = 0; u < n; u++) {
    let norm = 0;
    for (let i = inter.offsets[u]; i < inter.offsets[u + 1]; i++) {
      const w = Math.log1p(inter.values[i]) * Math.log(1 + n / df[inter.targets[i]]);
      weights[i] = w;
      norm += w * w;
    }
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let i = inter.offsets[u]; i < inter.offsets[u + 1]; i++) weights[i] *= scale;
  }
  const itemOffsets = new Int32Array(m + 1);
  for (let i = 0; i < inter.targets.length; i++) itemOffsets[inter.targets[i] + 1]++;
  for (let j = 0; j < m; j++) itemOffsets[j + 1] += itemOffsets[j];
  const fill = itemOffsets.slice(0, m);
  const itemUsers = new Int32Array(inter.targets.length);
  const itemWeights = new Float32Array(inter.targets.length);
  for (let u = 0; u < n; u++) {
    for (let i = inter.offsets[u]; i < inter.offsets[u + 1]; i++) {
      const slot = fill[inter.targets[i]]++;
      itemUsers[slot] = u;
      itemWeights[slot] = weights[i];
    }
  }
  return {
    byUser: { offsets: inter.offsets, targets: inter.targets, weights },
    byItem: { offsets: itemOffsets, targets: itemUsers, weights: itemWeights },
  };
}
