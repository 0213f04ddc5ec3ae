/**
 * Each recently active user's state (history, hidden items, follows, blocks), kept in memory
 * so a warm request reads none of it from the database. Bounded: at most MAX_USERS users and
 * about MAX_STATE_BYTES of heap, least recently used out first. States differ in size by more
 * than a thousand times (1 to HISTORY_LIMIT history entries, user-state.ts), so a count alone
 * bounds nothing useful.
 *
 * Kept current by change notes: a note about a user drops their state and, if they were
 * cached, reloads it in the background, so their next request finds it warm again. Every
 * load gets a new generation number; lists computed from a state carry it in their cache
 * key, so a reload makes every list of the old state unreachable at once.
 */
import { LRUCache } from 'lru-cache';
import type { SqlSession } from '../../db/client';
import type { Logger } from '../../logger';
import { loadUserState, stateBytes, type UserState } from './user-state';
import type { ChangeNote, ChangeSubscriber } from './change-feed';

export const MAX_USERS = 20_000;
/** By stateBytes, an Epinions user (41 items, 16 follows on average) takes 3.4 KB: about 19,500 of them fit. */
export const MAX_STATE_BYTES = 64 * 2 ** 20;
/** What an entry counts until its state has loaded and can be measured. */
const PENDING_BYTES = 256;

export interface StateEntry {
  generation: number;
  state: Promise<UserState>;
  /** Set once loaded: lets a note about a followee find the states that mention them. */
  loaded?: UserState;
}

export class UserStates implements ChangeSubscriber {
  private readonly cache: LRUCache<number, StateEntry>;
  private generation = 0;
  private live = false;

  constructor(
    private readonly db: SqlSession,
    private readonly logger: Logger,
    maxBytes = MAX_STATE_BYTES,
  ) {
    this.cache = new LRUCache({ max: MAX_USERS, maxSize: maxBytes });
  }

  get size(): number {
    return this.cache.size;
  }

  /** Estimated heap bytes of the cached states (the byte bound's measure). */
  get bytes(): number {
    return this.cache.calculatedSize;
  }

  /** The user's state: from memory when cached and the change feed is live, else loaded now. */
  get(userId: number): StateEntry {
    const cached = this.live ? this.cache.get(userId) : undefined;
    if (cached) return cached;
    const entry: StateEntry = { generation: ++this.generation, state: loadUserState(this.db, userId) };
    entry.state.then(
      (state) => {
        entry.loaded = state;
        // Re-set to count its measured size (lru-cache keeps the size of a value set again as is).
        if (this.cache.peek(userId) === entry && this.cache.delete(userId)) this.cache.set(userId, entry, { size: stateBytes(state) });
      },
      () => this.cache.peek(userId) === entry && this.cache.delete(userId),
    );
    if (this.live) this.cache.set(userId, entry, { size: PENDING_BYTES });
    return entry;
  }

  note(note: ChangeNote): void {
    if (note.ids === 'all') {
      if (note.kind !== 'items') this.cache.clear();
      return;
    }
    switch (note.kind) {
      case 'interactions':
      case 'follows':
      case 'blocks':
        return this.refresh(note.ids);
      case 'users': {
        // A followee turning private (or erased) changes whose activity may explain a list.
        const changed = new Set(note.ids);
        const affected = [...note.ids];
        for (const [userId, entry] of this.cache.entries()) {
          if (!entry.loaded || [...changed].some((id) => entry.loaded!.following.has(id))) affected.push(userId);
        }
        return this.refresh(affected);
      }
      case 'items':
        return;
    }
  }

  liveChanged(live: boolean): void {
    this.live = live;
    this.cache.clear();
  }

  private refresh(userIds: number[]): void {
    for (const userId of new Set(userIds)) {
      if (!this.cache.delete(userId)) continue;
      this.get(userId).state.catch((error) => this.logger.warn({ err: error, userId }, 'background state reload failed'));
    }
  }
}
