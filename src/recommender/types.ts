/**
 * Types shared by serving, training and the resolvers. This module imports nothing, so any
 * file may use it without joining an import cycle.
 */
import type { ArmChoice } from '../online/online';

export type Source = 'MODEL' | 'FALLBACK';

export type ReasonKind =
  | 'FRIENDS_ENGAGED'
  | 'SIMILAR_TO_ITEM'
  | 'POPULAR_WITH_SIMILAR_USERS'
  | 'FROM_FOLLOWED_AUTHOR'
  | 'MATCHES_INTERESTS'
  | 'TRENDING'
  | 'NEW_ITEM'
  | 'POPULAR';

export interface ItemReason {
  kind: ReasonKind;
  userIds: number[];
  itemId: number | null;
  weight: number;
}

export interface RecommendedItem {
  itemId: number;
  score: number;
  reasons: ItemReason[];
}

export type FriendReasonKind = 'MUTUAL_FRIENDS' | 'SHARED_INTERESTS' | 'FOLLOWED_BY_YOUR_FRIENDS' | 'FOLLOWS_YOU' | 'POPULAR';

export interface FriendSuggestion {
  userId: number;
  score: number;
  mutualFriendIds: number[];
  mutualFriendCount: number;
  reasons: { kind: FriendReasonKind; weight: number }[];
}

export interface ItemRequest {
  userId: number;
  /** How many to return, counted from the top (pagination slices afterwards). */
  limit: number;
  category?: string | null;
  tags?: string[] | null;
  excludeSeen: boolean;
  /** The experiment arm the user is in (src/online): serves that arm's version. */
  arm?: ArmChoice | null;
}

export interface HistoryEntry {
  itemId: number;
  weight: number;
}

/** What the item model needs to know about one user; database ids throughout. */
export interface ItemRequestState {
  userId: number;
  history: HistoryEntry[];
  hiddenItemIds: number[];
  /** Followees whose activity this user may see (friends and public accounts). */
  followeeIds: number[];
  friendIds: number[];
  excludeItemIds: number[];
}

export interface ScoredId {
  id: number;
  score: number;
}
