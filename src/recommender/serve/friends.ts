/**
 * A trained friend model bound to a graph snapshot and the database ids of its users. The
 * model holds ranker weights only; candidates and features come from the graph it is bound
 * to, so rebinding to a newer graph needs no retraining.
 */
import type { FriendTrainingData } from '../friends/data';
import type { FriendModel } from '../friends/model';
import { createFriendSuggester, suggest, type FriendSuggester } from '../friends/suggest';
import type { FriendSuggestion } from '../types';

export class LoadedFriendModel {
  private readonly userIndex = new Map<number, number>();
  private readonly suggester: FriendSuggester;

  constructor(
    readonly model: FriendModel,
    graph: FriendTrainingData,
    readonly userIds: Int32Array,
  ) {
    userIds.forEach((id, index) => this.userIndex.set(id, index));
    this.suggester = createFriendSuggester(model, graph);
  }

  knowsUser(userId: number): boolean {
    return this.userIndex.has(userId);
  }

  /** Best first; never self or users the graph already links from `userId`; `exclude` are database ids. */
  suggest(userId: number, count: number, exclude: Set<number>): FriendSuggestion[] {
    const user = this.userIndex.get(userId);
    if (user === undefined) return [];
    const excluded = (index: number) => exclude.has(this.userIds[index]);
    return suggest(this.suggester, user, count, excluded).map((s) => ({
      userId: this.userIds[s.user],
      score: s.score,
      mutualFriendIds: s.mutualFriends.map((index) => this.userIds[index]),
      mutualFriendCount: s.mutualFriends.length,
      reasons: s.reasons,
    }));
  }
}
