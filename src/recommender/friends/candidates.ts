/**
 * Candidate generation and per-pair features for one user, computed online from the
 * current graph: friends of friends (common neighbours, Adamic-Adar, resource
 * allocation), a personalized PageRank neighbourhood and interest-similar users. The
 * pool is cut to the union of the top `perSignal` users of each signal, so the ranker
 * sees a few hundred candidates at most however dense the graph is.
 */
import { topK } from '../top-k';
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

/**
 * Per-user 2-hop accumulators, interleaved: user v's signals live at acc[v * SLOTS + slot],
 * so the 2-hop loop, which visits v in random order millions of times on a graph like
 * Epinions, touches one cache line per visit instead of one per signal. Counts are stored as
 * doubles; they stay small integers, so every feature computed from them is unchanged. Only
 * the signals every pool member needs are summed there; the rest (resource allocation, the
 * circle features) are sums over the common neighbours, taken for the chosen candidates alone
 * in the loop that walks their neighbours anyway, over the same neighbours in the same
 * (ascending) order, so they come out bit for bit as they would here. The follow and
 * interest loops write one signal each, to arrays of their own.
 */
const COMMON = 0;
const AA = 1;
/** Sum over common neighbours w of 1 / sqrt(deg w): the first half of an L3 path weight. */
const WEIGHTED2 = 2;
const SLOTS = 4;

/** near[v] bits: v is a 2-hop user (non-zero paths), v is the user's neighbour. */
const TWO_HOP = 1;
const NEIGHBOUR = 2;

/** The rankings whose top `perSignal` users make the candidate pool. */
const SIGNAL_AA = 0;
const SIGNAL_PPR = 1;
const SIGNAL_INTEREST = 2;
const NUM_SIGNALS = 3;

/**
 * mark[v] bits: in the pool, chosen as a candidate, and which of the signals past the 2-hop
 * loop reached v. The selection loop reads byFriends, the PPR estimate and cosine only for
 * the members whose bit says they were written (they are 0 for the rest): mark is small
 * enough to stay in cache, those arrays are not.
 */
const IN_POOL = 1;
const CHOSEN = 2;
const VIA_FOLLOWS = 4;
const VIA_PPR = 8;
const VIA_INTEREST = 16;

/**
 * Holds dense scratch arrays for one graph, so a call allocates only its result and a few
 * arrays of `perSignal` entries; entries a call touched are reset before it returns. Not
 * re-entrant (one call at a time).
 */
export class CandidateFinder {
  private readonly ppr: PprWorkspace;
  private readonly acc: Float64Array;
  private readonly byFriends: Float64Array;
  private readonly cosine: Float64Array;
  /** sqrt(1 / degree), the L3 weight of a path's inner node, taken once per graph. */
  private readonly sqrtRaWeight: Float64Array;
  private readonly isFollowed: Uint8Array;
  private readonly isFollower: Uint8Array;
  private readonly mark: Uint8Array;
  private readonly pool: Int32Array;
  /**
   * paths[2v], paths[2v + 1]: v's common-neighbour count and its L3 weight (WEIGHTED2 times
   * v's own sqrt weight), copied out of acc for the 2-hop users. Every candidate's length-3
   * paths sum these over its neighbours, the costliest loop of a call; a quarter of acc's
   * bytes per user keeps more of them in cache.
   */
  private readonly paths: Float64Array;
  /**
   * TWO_HOP | NEIGHBOUR bits: the candidate loop reads this small array for each neighbour
   * of a candidate and touches paths only for those flagged. Skipping adds of 0 leaves the
   * sums as they were.
   */
  private readonly near: Uint8Array;
  /** The eligible pool members and their score under each signal, in pool order. */
  private readonly eligible: Int32Array;
  private readonly scores: Float64Array[];
  /** rank[s * n + v]: v's rank in signal s's top list, -1 outside it. */
  private readonly rank: Int32Array;

  constructor(
    readonly graph: SocialGraph,
    readonly config: CandidateConfig,
  ) {
    const n = graph.numUsers;
    this.ppr = new PprWorkspace(n);
    this.acc = new Float64Array(n * SLOTS);
    this.byFriends = new Float64Array(n);
    this.cosine = new Float64Array(n);
    this.sqrtRaWeight = graph.raWeight.map(Math.sqrt);
    this.isFollowed = new Uint8Array(n);
    this.isFollower = new Uint8Array(n);
    this.mark = new Uint8Array(n);
    this.pool = new Int32Array(n);
    this.paths = new Float64Array(2 * n);
    this.near = new Uint8Array(n);
    this.eligible = new Int32Array(n);
    this.scores = Array.from({ length: NUM_SIGNALS }, () => new Float64Array(n));
    this.rank = new Int32Array(NUM_SIGNALS * n).fill(-1);
  }

  find(user: number, exclude?: ExcludeFn): CandidateSet {
    const g = this.graph;
    const { acc, byFriends, cosine, mark, pool, paths, near, isFollowed, isFollower, sqrtRaWeight } = this;
    const raWeight = g.raWeight;
    const n = g.numUsers;
    let poolSize = 0;
    const nb = g.neighbours;
    const nbPtr = nb.indptr;
    const nbIdx = nb.indices;
    const userStart = nbPtr[user];
    const userEnd = nbPtr[user + 1];
    for (let i = userStart; i < userEnd; i++) {
      const w = nbIdx[i];
      const aw = g.aaWeight[w];
      const lw = sqrtRaWeight[w];
      for (let j = nbPtr[w]; j < nbPtr[w + 1]; j++) {
        const x = nbIdx[j];
        if (mark[x] === 0) {
          mark[x] = IN_POOL;
          pool[poolSize++] = x;
        }
        const a = x * SLOTS;
        acc[a + COMMON]++;
        acc[a + AA] += aw;
        acc[a + WEIGHTED2] += lw;
      }
    }
    const twoHop = poolSize;
    for (let i = 0; i < twoHop; i++) {
      const x = pool[i];
      paths[2 * x] = acc[x * SLOTS + COMMON];
      paths[2 * x + 1] = acc[x * SLOTS + WEIGHTED2] * sqrtRaWeight[x];
      near[x] = TWO_HOP;
    }
    for (let i = userStart; i < userEnd; i++) near[nbIdx[i]] |= NEIGHBOUR;
    const fo = g.follows;
    const mutualGraph = fo === nb;
    if (!mutualGraph) {
      for (let i = fo.indptr[user]; i < fo.indptr[user + 1]; i++) {
        const w = fo.indices[i];
        for (let j = fo.indptr[w]; j < fo.indptr[w + 1]; j++) {
          const x = fo.indices[j];
          const flags = mark[x];
          if (flags === 0) pool[poolSize++] = x;
          mark[x] = flags | IN_POOL | VIA_FOLLOWS;
          byFriends[x]++;
        }
      }
      for (let i = g.followers.indptr[user]; i < g.followers.indptr[user + 1]; i++) {
        const x = g.followers.indices[i];
        if (mark[x] === 0) {
          mark[x] = IN_POOL;
          pool[poolSize++] = x;
        }
      }
    }
    const ppr = this.ppr;
    ppr.run(nb, g.degree, user, this.config.pprAlpha, this.config.pprEpsilon);
    for (let i = 0; i < ppr.touchedCount; i++) {
      const x = ppr.touched[i];
      const flags = mark[x];
      if (flags === 0) pool[poolSize++] = x;
      mark[x] = flags | IN_POOL | VIA_PPR;
    }
    const pprEstimate = ppr.estimate;
    const interest = g.interest;
    const userHasInterests = interest !== null && interest.byUser.indptr[user + 1] > interest.byUser.indptr[user];
    if (interest && userHasInterests) {
      // The sparse cosine with every user sharing an item: one pass over those items' raters.
      const { byUser, byItem } = interest;
      const itemPtr = byItem.indptr;
      const itemUsers = byItem.indices;
      const itemWeights = byItem.values;
      for (let i = byUser.indptr[user]; i < byUser.indptr[user + 1]; i++) {
        const item = byUser.indices[i];
        const wu = byUser.values[i];
        for (let j = itemPtr[item]; j < itemPtr[item + 1]; j++) {
          const x = itemUsers[j];
          const flags = mark[x];
          if (flags === 0) pool[poolSize++] = x;
          mark[x] = flags | IN_POOL | VIA_INTEREST;
          cosine[x] += wu * itemWeights[j];
        }
      }
    }

    // Keep the eligible pool members (in pool order), then the top of each signal. Followed
    // users are flagged once rather than binary-searched per pool member.
    for (let i = fo.indptr[user]; i < fo.indptr[user + 1]; i++) isFollowed[fo.indices[i]] = 1;
    const { eligible, scores, rank } = this;
    let eligibleCount = 0;
    // -Infinity keeps a user without the signal out of that signal's top list (topK skips it).
    const [aaScores, pprScores, interestScores] = scores;
    for (let i = 0; i < poolSize; i++) {
      const v = pool[i];
      if (v === user || g.excluded[v] || isFollowed[v] || (exclude && exclude(v))) continue;
      const e = eligibleCount++;
      eligible[e] = v;
      // Past the 2-hop users acc holds zeros: not reading it saves a cache miss per member.
      const common = i < twoHop ? acc[v * SLOTS + COMMON] : 0;
      const aa = i < twoHop ? acc[v * SLOTS + AA] : 0;
      const flags = mark[v];
      const viaFollows = flags & VIA_FOLLOWS ? byFriends[v] : 0;
      aaScores[e] = common > 0 || viaFollows > 0 ? aa + 1e-6 * (common + viaFollows) : -Infinity;
      const p = flags & VIA_PPR ? pprEstimate[v] : 0;
      pprScores[e] = p > 0 ? p : -Infinity;
      const cos = flags & VIA_INTEREST ? cosine[v] : 0;
      interestScores[e] = cos > 0 ? cos : -Infinity;
    }
    for (let i = fo.indptr[user]; i < fo.indptr[user + 1]; i++) isFollowed[fo.indices[i]] = 0;
    const m = this.config.perSignal;
    const chosen: number[] = [];
    for (let s = 0; s < NUM_SIGNALS; s++) {
      const top = topK(scores[s].subarray(0, eligibleCount), m);
      for (let r = 0; r < top.length; r++) {
        const v = eligible[top[r]];
        rank[s * n + v] = r;
        if ((mark[v] & CHOSEN) === 0) {
          mark[v] |= CHOSEN;
          chosen.push(v);
        }
      }
    }

    const count = chosen.length;
    const du = g.degree[user];
    let maxAa = 0;
    let maxPpr = 0;
    for (const v of chosen) {
      maxAa = Math.max(maxAa, acc[v * SLOTS + AA]);
      maxPpr = Math.max(maxPpr, pprEstimate[v]);
    }
    const features = new Float32Array(count * NUM_FEATURES);
    const set: CandidateSet = {
      user,
      candidates: Int32Array.from(chosen),
      features,
      common: new Int32Array(count),
      interest: new Float32Array(count),
      followedByFriends: new Int32Array(count),
    };
    // Who follows the user, flagged once: candidateFollowsUser without a search per candidate.
    const followers = g.followers;
    for (let i = followers.indptr[user]; i < followers.indptr[user + 1]; i++) isFollower[followers.indices[i]] = 1;
    const unranked = Math.log1p(m);
    const logRank = (s: number, v: number) => {
      const r = rank[s * n + v];
      return r >= 0 ? Math.log1p(r) : unranked;
    };
    for (let c = 0; c < count; c++) {
      const v = chosen[c];
      const a = v * SLOTS;
      const dv = g.degree[v];
      const cn = acc[a + COMMON];
      const aa = acc[a + AA];
      const cos = cosine[v];
      const viaFollows = mutualGraph ? cn : byFriends[v];
      const p = pprEstimate[v];
      const hasInterests = interest !== null && interest.byUser.indptr[v + 1] > interest.byUser.indptr[v];
      const f = c * NUM_FEATURES;
      features[f] = Math.log1p(cn);
      features[f + 1] = Math.log1p(aa);
      features[f + 3] = cn > 0 ? cn / (du + dv - cn) : 0;
      features[f + 4] = dv > 0 ? cn / dv : 0;
      features[f + 5] = du > 0 ? cn / du : 0;
      features[f + 6] = Math.log1p(du);
      features[f + 7] = Math.log1p(dv);
      features[f + 8] = Math.log(p + 1e-7);
      features[f + 9] = Math.log(p / Math.max(dv, 1) + 1e-8);
      features[f + 10] = maxPpr > 0 ? p / maxPpr : 0;
      features[f + 11] = maxAa > 0 ? aa / maxAa : 0;
      features[f + 12] = logRank(SIGNAL_AA, v);
      features[f + 13] = logRank(SIGNAL_PPR, v);
      features[f + 14] = cos;
      features[f + 15] = logRank(SIGNAL_INTEREST, v);
      features[f + 16] = userHasInterests ? 1 : 0;
      features[f + 17] = hasInterests ? 1 : 0;
      features[f + 18] = isFollower[v];
      features[f + 19] = Math.log1p(viaFollows);
      // Paths of length 3 (u-a-b-v) end in one of v's neighbours b, reached by common[b]
      // 2-paths. L3 weighs a path by 1/sqrt(deg a * deg b) (Kovacs et al.'s L3 predictor).
      // A neighbour b of both is a common neighbour: resource allocation adds 1 / deg b, and
      // the circle features how embedded b is in the user's circle (b's friends who are the
      // user's too: b's common count, paths[2b]).
      let paths3 = 0;
      let l3 = 0;
      let ra = 0;
      let circle = 0;
      let circleShare = 0;
      for (let j = nbPtr[v]; j < nbPtr[v + 1]; j++) {
        const b = nbIdx[j];
        const flags = near[b];
        if (flags === 0) continue;
        const inCircle = paths[2 * b];
        if (flags & TWO_HOP) {
          paths3 += inCircle;
          l3 += paths[2 * b + 1];
        }
        if (flags & NEIGHBOUR) {
          const rw = raWeight[b];
          ra += rw;
          circle += inCircle;
          circleShare += inCircle * rw;
        }
      }
      features[f + 2] = Math.log1p(ra);
      features[f + 20] = Math.log1p(paths3);
      features[f + 21] = Math.log1p(l3);
      features[f + 22] = Math.log1p(circle);
      features[f + 23] = Math.log1p(circleShare);
      set.common[c] = cn;
      set.interest[c] = cos;
      set.followedByFriends[c] = viaFollows;
    }

    // Only signal top lists set ranks, and all their members are chosen.
    for (const v of chosen) for (let s = 0; s < NUM_SIGNALS; s++) rank[s * n + v] = -1;
    for (let i = followers.indptr[user]; i < followers.indptr[user + 1]; i++) isFollower[followers.indices[i]] = 0;
    for (let i = userStart; i < userEnd; i++) near[nbIdx[i]] = 0;
    // Only the 2-hop users (the pool's first twoHop) have acc and paths entries.
    for (let i = 0; i < twoHop; i++) {
      const v = pool[i];
      paths[2 * v] = 0;
      paths[2 * v + 1] = 0;
      near[v] = 0;
      const a = v * SLOTS;
      acc[a + COMMON] = 0;
      acc[a + AA] = 0;
      acc[a + WEIGHTED2] = 0;
    }
    for (let i = 0; i < poolSize; i++) {
      const v = pool[i];
      const flags = mark[v];
      if (flags & VIA_FOLLOWS) byFriends[v] = 0;
      if (flags & VIA_INTEREST) cosine[v] = 0;
      mark[v] = 0;
    }
    ppr.clear();
    return set;
  }
}
