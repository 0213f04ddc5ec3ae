/**
 * Validation metrics of a model version on the fixed split, computed with the offline
 * protocol's metric code (eval/metrics.ts). modelStatus shows these numbers.
 */
import { MetricsAccumulator } from '../eval/metrics';
import type { LoadedFriendModel } from '../serve/friends';
import type { LoadedItemModel } from '../serve/items';
import type { ItemRequestState } from '../types';
import type { Snapshot } from '../snapshot';
import type { FriendSplit, ItemSplit } from './data';

export interface ValidationMetrics {
  users: number;
  recallAt10: number;
  ndcgAt10: number;
  recallAt20?: number;
  ndcgAt20?: number;
  coverageAt10?: number;
  coverageAt20?: number;
  /** What was measured, when it changed once (ITEM_MEASURE); versions are compared only under the same measure. */
  measure?: string;
}

/**
 * An item version is measured by its sources fitted on the fixed split's training part, in
 * the item-item order (pipeline.ts). Until 2026-12-03 it was a separate fit with its own ranker.
 */
export const ITEM_MEASURE = 'carve-out sources, item-item order';

/** Evaluating every user of a large dataset buys little precision; a fixed sample keeps runs short. */
const MAX_VALIDATION_USERS = 3000;

function sampleUsers(users: number[], snapshot: Snapshot): number[] {
  if (users.length <= MAX_VALIDATION_USERS) return users;
  // Deterministic by database id, so every version is measured on the same users.
  return users
    .map((u) => ({ u, key: (snapshot.userIds[u] * 2654435761) >>> 0 }))
    .sort((a, b) => a.key - b.key)
    .slice(0, MAX_VALIDATION_USERS)
    .map((entry) => entry.u);
}

export function evaluateItemModel(model: LoadedItemModel, snapshot: Snapshot, split: ItemSplit): ValidationMetrics {
  const users = sampleUsers([...split.byUser.keys()], snapshot);
  const wanted = new Set(users);
  const states = new Map<number, ItemRequestState>();
  for (const u of users) {
    states.set(u, { userId: snapshot.userIds[u], history: [], hiddenItemIds: [], followeeIds: [], friendIds: [], excludeItemIds: [] });
  }
  for (let p = 0; p < snapshot.pairUsers.length; p++) {
    const state = states.get(snapshot.pairUsers[p]);
    if (!state || split.heldOut[p]) continue;
    const itemId = snapshot.itemIds[snapshot.pairItems[p]];
    if (snapshot.pairWeights[p] > 0) state.history.push({ itemId, weight: snapshot.pairWeights[p] });
    else state.hiddenItemIds.push(itemId);
  }
  const followees = new Map<number, Set<number>>();
  for (let e = 0; e < snapshot.followFrom.length; e++) {
    const a = snapshot.followFrom[e];
    if (!wanted.has(a)) continue;
    const set = followees.get(a) ?? new Set<number>();
    set.add(snapshot.followTo[e]);
    followees.set(a, set);
  }
  const accumulator = new MetricsAccumulator([10, 20], snapshot.itemIds.length);
  const itemIndex = new Map<number, number>();
  snapshot.itemIds.forEach((id, i) => itemIndex.set(id, i));
  for (const u of users) {
    const state = states.get(u)!;
    state.followeeIds = [...(followees.get(u) ?? [])].map((v) => snapshot.userIds[v]);
    const ranked = model.rank(state, 20).map((r) => itemIndex.get(r.itemId) ?? -1);
    accumulator.add(ranked, split.byUser.get(u)!);
  }
  const result = accumulator.result();
  return {
    users: result.users,
    recallAt10: result.recall[10],
    ndcgAt10: result.ndcg[10],
    recallAt20: result.recall[20],
    ndcgAt20: result.ndcg[20],
    coverageAt10: result.coverage[10],
    coverageAt20: result.coverage[20],
  };
}

export function evaluateFriendModel(model: LoadedFriendModel, snapshot: Snapshot, split: FriendSplit): ValidationMetrics {
  const users = sampleUsers([...split.byUser.keys()], snapshot);
  const accumulator = new MetricsAccumulator([10], snapshot.userIds.length);
  const userIndex = new Map<number, number>();
  snapshot.userIds.forEach((id, i) => userIndex.set(id, i));
  for (const u of users) {
    const ranked = model.suggest(snapshot.userIds[u], 10, new Set()).map((s) => userIndex.get(s.userId) ?? -1);
    accumulator.add(ranked, split.byUser.get(u)!);
  }
  const result = accumulator.result();
  return { users: result.users, recallAt10: result.recall[10], ndcgAt10: result.ndcg[10] };
}

/** The promotion rule, written once: a candidate replaces the active version unless it is worse. */
export function isNotWorse(candidate: ValidationMetrics, active: ValidationMetrics | null): boolean {
  if (!active || active.users === 0) return true;
  // NDCG@10 decides; a hair of tolerance keeps numeric noise from blocking an equal model.
  return candidate.ndcgAt10 >= active.ndcgAt10 - 1e-9;
}
