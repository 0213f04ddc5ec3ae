/**
 * Candidate generation and per-pair features for one user, computed online from the
 * current graph: friends of friends (common neighbours, Adamic-Adar, resource
 * allocation), a personalized PageRank neighbourhood and interest-similar users. The
 * pool is cut to the union of the top `perSignal` users of each signal, so the ranker
 * sees a few hundred candidates at most however dense the graph is.
 */
import { topK } from '../top-k';
import { rowHas } from '../sparse';
import { SocialGraph } from './graph';
import { PprWorkspace } from './ppr';

export interface CandidateConfig {
  /** Restart probability of the personalized PageRank walk. */
  pprAlpha: number;
  /** Push threshold: residual per unit degree left unpushed. */
  pprEpsilon: number;
  /** Users kept from each signal's ranking (2-hop Adamic-Adar, PPR, interest). */
  perSignal: number;
}

export const DEFAULT_CANDIDATE_CONFIG: CandidateConfig = { pprAlpha: 0.3, pprEpsilon: 1e-4, perSignal: 100 };

export const FEATURE_NAMES = [
  'logCommon',
  'logAdamicAdar',
  'logResourceAllocation',
  'jaccard',
  'commonOverCandidateDegree',
  'commonOverUserDegree',
  'logUserDegree',
  'logCandidateDegree',
  'logPpr',
  'logPprOverDegree',
  'pprOverMax',
  'adamicAdarOverMax',
  'logRankAdamicAdar',
  'logRankPpr',
  'interestCosine',
  'logRankInterest',
  'userHasInterests',
  'candidateHasInterests',
  'candidateFollowsUser',
  'logFollowedByFriends',
  'logPaths3',
  'logL3',
  'logCircleCommon',
  'logCircleShare',
] as const;
export const NUM_FEATURES = FEATURE_NAMES.length;

/** Candidates of one user; features are row-major, NUM_FEATURES per candidate. */
export interface CandidateSet {
  user: number;
  candidates: Int32Array;
  features: Float32Array;
  /** Raw signals aligned with candidates, for explanations. */
  common: Int32Array;
  interest: Float32Array;
  followedByFriends: Int32Array;
}

export type ExcludeFn = (user: number) => boolean;

/** Holds dense scratch arrays for one graph; not re-entrant (one call at a time). */
export class CandidateFinder {
  private readonly ppr: PprWorkspace;
  private readonly common: Int32Array;
  private readonly aa: Float64Array;
  private readonly ra: Float64Array;
  private readonly cosine: Float64Array;
  private readonly byFriends: Int32Array;
  private readonly weighted2: Float64Array;
  private readonly circle: Float64Array;
  private readonly circleShare: Float64Array;
  private readonly isNeighbour: Uint8Array;
  private readonly mark: Uint8Array;
  private readonly pool: Int32Array;

  constructor(
    readonly graph: SocialGraph,
    readonly config: CandidateConfig,
  ) {
    const n = graph.numUsers;
    this.ppr = new PprWorkspace(n);
    this.common = new Int32Array(n);
    this.aa = new Float64Array(n);
    this.ra = new Float64Array(n);
    this.cosine = new Float64Array(n);
    this.byFriends = new Int32Array(n);
    this.weighted2 = new Float64Array(n);
    this.circle = new Float64Array(n);
    this.circleShare = new Float64Array(n);
    this.isNeighbour = new Uint8Array(n);
    this.mark = new Uint8Array(n);
    this.pool = new Int32Array(n);
  }

  find(user: number, exclude?: ExcludeFn): CandidateSet {
    const g = this.graph;
    const { common, aa, ra, cosine, byFriends, weighted2, mark, pool } = this;
    let poolSize = 0;
    const addToPool = (v: number) => {
      if (mark[v] === 0) {
        mark[v] = 1;
        pool[poolSize++] = v;
      }
    };
    const nb = g.neighbours;
    const { circle, circleShare, isNeighbour } = this;
    for (let i = nb.indptr[user]; i < nb.indptr[user + 1]; i++) isNeighbour[nb.indices[i]] = 1;
    for (let i = nb.indptr[user]; i < nb.indptr[user + 1]; i++) {
      const w = nb.indices[i];
      // How embedded w is in the user's circle: w's friends who are also the user's.
      let inCircle = 0;
      for (let j = nb.indptr[w]; j < nb.indptr[w + 1]; j++) inCircle += isNeighbour[nb.indices[j]];
      const share = inCircle * g.raWeight[w];
      const aw = g.aaWeight[w];
      const rw = g.raWeight[w];
      const lw = Math.sqrt(rw);
      for (let j = nb.indptr[w]; j < nb.indptr[w + 1]; j++) {
        const x = nb.indices[j];
        addToPool(x);
        common[x]++;
        aa[x] += aw;
        ra[x] += rw;
        weighted2[x] += lw;
        circle[x] += inCircle;
        circleShare[x] += share;
      }
    }
    for (let i = nb.indptr[user]; i < nb.indptr[user + 1]; i++) isNeighbour[nb.indices[i]] = 0;
    const fo = g.follows;
    if (fo !== nb) {
      for (let i = fo.indptr[user]; i < fo.indptr[user + 1]; i++) {
        const w = fo.indices[i];
        for (let j = fo.indptr[w]; j < fo.indptr[w + 1]; j++) {
          addToPool(fo.indices[j]);
          byFriends[fo.indices[j]]++;
        }
      }
      for (let i = g.followers.indptr[user]; i < g.followers.indptr[user + 1]; i++) addToPool(g.followers.indices[i]);
    }
    this.ppr.run(nb, g.degree, user, this.config.pprAlpha, this.config.pprEpsilon);
    for (let i = 0; i < this.ppr.touchedCount; i++) addToPool(this.ppr.touched[i]);
    const pprEstimate = this.ppr.estimate;
    const interest = g.interest;
    const userHasInterests = interest !== null && interest.byUser.indptr[user + 1] > interest.byUser.indptr[user];
    if (interest && userHasInterests) {
      const { byUser, byItem } = interest;
      for (let i = byUser.indptr[user]; i < byUser.indptr[user + 1]; i++) {
        const item = byUser.indices[i];
        const wu = byUser.values[i];
        for (let j = byItem.indptr[item]; j < byItem.indptr[item + 1]; j++) {
          const v = byItem.indices[j];
          addToPool(v);
          cosine[v] += wu * byItem.values[j];
        }
      }
    }

    // Keep the eligible pool members, then the top of each signal.
    const eligible: number[] = [];
    for (let i = 0; i < poolSize; i++) {
      const v = pool[i];
      if (v === user || g.excluded[v] || rowHas(fo, user, v) || (exclude && exclude(v))) continue;
      eligible.push(v);
    }
    const m = this.config.perSignal;
    const chosen: number[] = [];
    const rankAa = new Map<number, number>();
    const rankPpr = new Map<number, number>();
    const rankInterest = new Map<number, number>();
    const signals: [Map<number, number>, (v: number) => number][] = [
      [rankAa, (v) => (common[v] > 0 || byFriends[v] > 0 ? aa[v] + 1e-6 * (common[v] + byFriends[v]) : -Infinity)],
      [rankPpr, (v) => (pprEstimate[v] > 0 ? pprEstimate[v] : -Infinity)],
      [rankInterest, (v) => (cosine[v] > 0 ? cosine[v] : -Infinity)],
    ];
    const scores = new Float64Array(eligible.length);
    for (const [ranks, score] of signals) {
      for (let i = 0; i < eligible.length; i++) scores[i] = score(eligible[i]);
      const top = topK(scores, m);
      for (let r = 0; r < top.length; r++) {
        const v = eligible[top[r]];
        ranks.set(v, r);
        if (mark[v] === 1) {
          mark[v] = 2;
          chosen.push(v);
        }
      }
    }

    const count = chosen.length;
    const du = g.degree[user];
    let maxAa = 0;
    let maxPpr = 0;
    for (const v of chosen) {
      maxAa = Math.max(maxAa, aa[v]);
      maxPpr = Math.max(maxPpr, pprEstimate[v]);
    }
    const set: CandidateSet = {
      user,
      candidates: Int32Array.from(chosen),
      features: new Float32Array(count * NUM_FEATURES),
      common: new Int32Array(count),
      interest: new Float32Array(count),
      followedByFriends: new Int32Array(count),
    };
    const unranked = Math.log1p(m);
    for (let c = 0; c < count; c++) {
      const v = chosen[c];
      const dv = g.degree[v];
      const cn = common[v];
      const viaFollows = fo === nb ? cn : byFriends[v];
      const p = pprEstimate[v];
      const hasInterests = interest !== null && interest.byUser.indptr[v + 1] > interest.byUser.indptr[v];
      const f = set.features.subarray(c * NUM_FEATURES, (c + 1) * NUM_FEATURES);
      f[0] = Math.log1p(cn);
      f[1] = Math.log1p(aa[v]);
      f[2] = Math.log1p(ra[v]);
      f[3] = cn > 0 ? cn / (du + dv - cn) : 0;
      f[4] = dv > 0 ? cn / dv : 0;
      f[5] = du > 0 ? cn / du : 0;
      f[6] = Math.log1p(du);
      f[7] = Math.log1p(dv);
      f[8] = Math.log(p + 1e-7);
      f[9] = Math.log(p / Math.max(dv, 1) + 1e-8);
      f[10] = maxPpr > 0 ? p / maxPpr : 0;
      f[11] = maxAa > 0 ? aa[v] / maxAa : 0;
      f[12] = rankAa.has(v) ? Math.log1p(rankAa.get(v)!) : unranked;
      f[13] = rankPpr.has(v) ? Math.log1p(rankPpr.get(v)!) : unranked;
      f[14] = cosine[v];
      f[15] = rankInterest.has(v) ? Math.log1p(rankInterest.get(v)!) : unranked;
      f[16] = userHasInterests ? 1 : 0;
      f[17] = hasInterests ? 1 : 0;
      f[18] = rowHas(fo, v, user) ? 1 : 0;
      f[19] = Math.log1p(viaFollows);
      // Paths of length 3 (u-a-b-v) end in one of v's neighbours b, reached by common[b]
      // 2-paths. L3 weighs a path by 1/sqrt(deg a * deg b) (Kovacs et al.'s L3 predictor).
      let paths3 = 0;
      let l3 = 0;
      for (let j = nb.indptr[v]; j < nb.indptr[v + 1]; j++) {
        const b = nb.indices[j];
        paths3 += common[b];
        l3 += weighted2[b] * Math.sqrt(g.raWeight[b]);
      }
      f[20] = Math.log1p(paths3);
      f[21] = Math.log1p(l3);
      f[22] = Math.log1p(circle[v]);
      f[23] = Math.log1p(circleShare[v]);
      set.common[c] = cn;
      set.interest[c] = cosine[v];
      set.followedByFriends[c] = viaFollows;
    }

    for (let i = 0; i < poolSize; i++) {
      const v = pool[i];
      common[v] = 0;
      aa[v] = 0;
      ra[v] = 0;
      cosine[v] = 0;
      byFriends[v] = 0;
      weighted2[v] = 0;
      circle[v] = 0;
      circleShare[v] = 0;
      mark[v] = 0;
    }
    this.ppr.clear();
    return set;
  }
}
