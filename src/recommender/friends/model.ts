/**
 * The friend-suggestion model's trained form, shared by training (train/friends) and
 * serving: candidate settings and ranker weights only. Features are recomputed from
 * whatever graph it serves (the full training graph, or the live one).
 */
import type { CandidateConfig } from './candidates';
import type { Ranker } from './ranker';

export const FRIEND_MODEL_VERSION = 1;

/** Ranking quality on validation users the ranker did not fit, next to Adamic-Adar on the same candidates. */
export interface FriendValidation {
  users: number;
  recallAt10: number;
  adamicAdarRecallAt10: number;
}

/** Immutable, plain data: what serialize() stores. */
export interface FriendModel {
  version: number;
  featureNames: string[];
  candidates: CandidateConfig;
  ranker: Ranker;
  validation: FriendValidation;
}
