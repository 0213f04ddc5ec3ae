/**
 * The item recommender's trained form: ItemModel (immutable plain typed arrays, see
 * artifact.ts for its binary form) and the configuration it was trained with. Both training
 * (train/items) and serving (serve/items) use these; training code lives in train/items.
 */
import type { ContentIndex } from './content';
import type { Csr } from '../sparse';
import type { NeighbourLists } from './neighbours';
import type { PopularityStats } from './popularity';
import type { RankerWeights } from './ranker';

/** How the ranker is trained (train/items/ranker-train.ts adds the seed). */
export interface RankerSettings {
  hidden: number;
  epochs: number;
  learningRate: number;
  /** Candidate rows per optimisation step. */
  batchRows: number;
  /** Rows per epoch (all positives plus sampled negatives). */
  rowsPerEpoch: number;
  l2: number;
  /** Stop after this many epochs without a better stopping-set quality, but never before minEpochs (early epochs dip). */
  patience: number;
  minEpochs: number;
  evaluateEvery: number;
}

export interface ItemModelConfig {
  itemItem: {
    /**
     * `auto` and `ease`: exact EASE when its dense dimension (min of active users and items)
     * is at most maxDenseDim; otherwise EASE over the maxDenseDim most popular items (the
     * long tail is left to the other sources). cosine / rp3beta: sparse co-occurrence models.
     */
    kind: 'auto' | 'ease' | 'cosine' | 'rp3beta';
    lambda: number;
    dropout: number;
    neighbours: number;
    keepAllBelow: number;
    minSupport: number;
    maxDenseDim: number;
    shrink: number;
    beta: number;
  };
  /** A cosine ItemKNN fitted next to the main model, as a second item-item opinion (0 = off). */
  itemKnnNeighbours: number;
  /** Similar users consulted per request. */
  userNeighbours: number;
  candidates: { itemItem: number; itemKnn: number; userKnn: number; social: number; popular: number; trending: number; content: number; fresh: number };
  ranker: RankerSettings & {
    enabled: boolean;
    /** Users sampled for ranker examples (bounds memory and time on large data). */
    maxUsers: number;
  };
  trendingHalfLifeDays: number;
  freshDays: number;
  /**
   * A user's latest items vote more: history item h weighs 1 + boost * 0.5^(r_h / halfLife),
   * r_h = the share of the user's training positives newer than h (0 for the newest). Tuned
   * on the carve-outs when the data has real timestamps; boost 0 is plain binary votes.
   */
  recency: { boost: number; halfLife: number };
  /** How the ranker's (and tuning's) validation part is carved out: at random, or each user's latest (needs times). */
  validation: 'random' | 'temporal';
  /** Tune the item-item model's main setting (EASE lambda, RP3 beta, cosine shrink) on the carve-out. */
  tune: boolean;
  seed: number;
}

export const DEFAULT_CONFIG: ItemModelConfig = {
  itemItem: { kind: 'auto', lambda: 200, dropout: 0, neighbours: 200, keepAllBelow: 2000, minSupport: 2, maxDenseDim: 3000, shrink: 10, beta: 0.5 },
  itemKnnNeighbours: 50,
  userNeighbours: 100,
  candidates: { itemItem: 150, itemKnn: 20, userKnn: 30, social: 30, popular: 30, trending: 10, content: 20, fresh: 10 },
  ranker: { enabled: true, hidden: 32, epochs: 36, learningRate: 0.01, batchRows: 4096, rowsPerEpoch: 20_000, l2: 1e-5, patience: 8, minEpochs: 20, evaluateEvery: 2, maxUsers: 6000 },
  trendingHalfLifeDays: 14,
  freshDays: 7,
  recency: { boost: 0, halfLife: 0.1 },
  validation: 'random',
  tune: true,
  seed: 1,
};

export type ItemModelConfigInput = {
  [K in keyof ItemModelConfig]?: ItemModelConfig[K] extends object ? Partial<ItemModelConfig[K]> : ItemModelConfig[K];
};

export function resolveConfig(input: ItemModelConfigInput = {}): ItemModelConfig {
  return {
    itemItem: { ...DEFAULT_CONFIG.itemItem, ...input.itemItem },
    itemKnnNeighbours: input.itemKnnNeighbours ?? DEFAULT_CONFIG.itemKnnNeighbours,
    userNeighbours: input.userNeighbours ?? DEFAULT_CONFIG.userNeighbours,
    candidates: { ...DEFAULT_CONFIG.candidates, ...input.candidates },
    ranker: { ...DEFAULT_CONFIG.ranker, ...input.ranker },
    trendingHalfLifeDays: input.trendingHalfLifeDays ?? DEFAULT_CONFIG.trendingHalfLifeDays,
    freshDays: input.freshDays ?? DEFAULT_CONFIG.freshDays,
    recency: { ...DEFAULT_CONFIG.recency, ...input.recency },
    validation: input.validation ?? DEFAULT_CONFIG.validation,
    tune: input.tune ?? DEFAULT_CONFIG.tune,
    seed: input.seed ?? DEFAULT_CONFIG.seed,
  };
}

/** A trained model: immutable plain data (see artifact.ts for its binary form). */
export interface ItemModel {
  numUsers: number;
  numItems: number;
  /** Reference time (Unix seconds) for ages and trending. */
  now: number;
  itemItemKind: 'ease' | 'cosine' | 'rp3beta';
  itemItem: NeighbourLists;
  /** Cosine ItemKNN lists (null when disabled or when it is already the main model). */
  itemKnn: NeighbourLists | null;
  popularity: PopularityStats;
  newest: Int32Array;
  createdAt: Float64Array | null;
  content: ContentIndex;
  /**
   * Training positives per user: friends' evidence at serving time. `values`, when the data
   * had real timestamps, hold each positive's recency share (see ItemModelConfig.recency).
   */
  userItems: Csr;
  /** The same positives per item: finds similar users at serving time. */
  itemUsers: Csr;
  follows: Csr | null;
  ranker: RankerWeights | null;
  config: ItemModelConfig;
}

