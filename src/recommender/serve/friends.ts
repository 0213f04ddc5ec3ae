/**
 * A trained friend model bound to a graph snapshot and the database ids of its users. The
 * model holds ranker weights only; candidates and features come from the graph it is bound
 * to, so rebinding to a newer graph needs no retraining. A version may also carry the lists
 * its training ranked for every user (StoredSuggestions): a user whose follows are as they
 * were then is answered from their list, everyone else is ranked live.
 */
import type { FriendTrainingData } from '../friends/data';
import type { SocialGraph } from '../friends/graph';
import type { FriendModel } from '../friends/model';
import { followHash, storedListBytes, storedReasons, type StoredFriendLists } from '../friends/stored-lists';
import { createFriendSuggester, friendsOf, intersectFriends, suggest, type FriendSuggester } from '../friends/suggest';
import type { FriendSuggestion } from '../types';

/** An entry of a stored list: database id of the suggested user, score, and where its reasons are. */
export interface StoredEntry {
  userId: number;
  score: number;
  entry: number;
}

/** A version's stored lists keyed by database ids; built once per version and shared by every rebind. */
export class StoredSuggestions {
  private readonly rowOf = new Map<number, number>();
  /** Database id of each entry's suggested user. */
  private readonly ids: Int32Array;

  constructor(
    private readonly lists: StoredFriendLists,
    userIds: Int32Array,
  ) {
    userIds.forEach((id, u) => this.rowOf.set(id, u));
    this.ids = Int32Array.from(lists.users, (u) => userIds[u]);
  }

  /** Typed-array bytes held (the id map adds about 80 bytes per user on V8). */
  get bytes(): number {
    return storedListBytes(this.lists) + this.ids.byteLength;
  }

  /**
   * The user's stored list without excluded users, at most `count` long; null when there is
   * no current list: the user is unknown to the version, follows someone else than at
   * training time (`following` is their followees now, self allowed), or the list ran short.
   */
  take(userId: number, count: number, exclude: ReadonlySet<number>, following: ReadonlySet<number>): StoredEntry[] | null {
    const u = this.rowOf.get(userId);
    if (u === undefined) return null;
    const followees: number[] = [];
    for (const id of following) if (id !== userId) followees.push(id);
    if (followHash(followees) !== this.lists.followHash[u]) return null;
    const { offsets, scores, perUser } = this.lists;
    const out: StoredEntry[] = [];
    for (let e = offsets[u]; e < offsets[u + 1] && out.length < count; e++) {
      const id = this.ids[e];
      if (id !== userId && !exclude.has(id) && !following.has(id)) out.push({ userId: id, score: scores[e], entry: e });
    }
    // A full list was cut at perUser: past its end there were more candidates, so rank live.
    if (out.length < count && offsets[u + 1] - offsets[u] >= perUser) return null;
    return out;
  }

  reasons(entry: number): FriendSuggestion['reasons'] {
    return storedReasons(this.lists, entry);
  }
}

export class LoadedFriendModel {
  private readonly userIndex = new Map<number, number>();
  private readonly suggester: FriendSuggester;

  constructor(
    readonly model: FriendModel,
    /** Prepared already (prepareGraphInChild) or prepared here. */
    graph: FriendTrainingData | SocialGraph,
    readonly userIds: Int32Array,
    readonly stored: StoredSuggestions | null = null,
  ) {
    userIds.forEach((id, index) => this.userIndex.set(id, index));
    this.suggester = createFriendSuggester(model, graph);
  }

  knowsUser(userId: number): boolean {
    return this.userIndex.has(userId);
  }

  /**
   * From the version's stored list when it is current for the user (see StoredSuggestions.take),
   * else null; mutual friends come from the bound graph. `exclude` are database ids.
   */
  suggestStored(userId: number, count: number, exclude: ReadonlySet<number>, following: ReadonlySet<number>): FriendSuggestion[] | null {
    const taken = this.takeStored(userId, count, exclude, following);
    return taken && this.describeStored(userId, taken);
  }

  /** suggestStored's entries before they are described (cheap: a slice of the stored list). */
  takeStored(userId: number, count: number, exclude: ReadonlySet<number>, following: ReadonlySet<number>): StoredEntry[] | null {
    return this.stored?.take(userId, count, exclude, following) ?? null;
  }

  /** Stored entries of `userId`'s list as suggestions: mutual friends from the bound graph, reasons from the list. */
  describeStored(userId: number, taken: StoredEntry[]): FriendSuggestion[] {
    const user = this.userIndex.get(userId);
    const friends = user === undefined ? new Int32Array(0) : friendsOf(this.suggester.graph, user);
    return taken.map(({ userId: id, score, entry }) => {
      const other = this.userIndex.get(id);
      const mutual = other === undefined ? [] : intersectFriends(this.suggester.graph, friends, other);
      return {
        userId: id,
        score,
        mutualFriendIds: mutual.map((index) => this.userIds[index]),
        mutualFriendCount: mutual.length,
        reasons: this.stored!.reasons(entry),
      };
    });
  }

  /** Ranked live from the bound graph, best first; never self or users the graph already links from `userId`; `exclude` are database ids. */
  suggest(userId: number, count: number, exclude: Set<number>): FriendSuggestion[] {
    const user = this.userIndex.get(userId);
    if (user === undefined) return [];
    // No function to call per pool member when nothing is excluded (evaluation's case).
    const excluded = exclude.size > 0 ? (index: number) => exclude.has(this.userIds[index]) : undefined;
    return suggest(this.suggester, user, count, excluded).map((s) => ({
      userId: this.userIds[s.user],
      score: s.score,
      mutualFriendIds: s.mutualFriends.map((index) => this.userIds[index]),
      mutualFriendCount: s.mutualFriends.length,
      reasons: s.reasons,
    }));
  }
}
