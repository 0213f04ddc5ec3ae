/**
 * The item recommender's training input and the sparse layouts built from it. Everything
 * here is plain numbers and typed arrays so a value can be posted to a worker thread
 * (structured clone, or transfer of the underlying buffers) without conversion.
 */
import { cooToCsr, rowHas, transpose, type Csr } from '../sparse';

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
