/**
 * What the recommender needs to know about one user, read from the database when serving's
 * cache does not hold it (user-states.ts keeps it current from change notes after
 * that). Raw SQL through the driver: Prisma's per-query overhead is several times these
 * queries' own cost.
 */
import type { SqlSession } from '../../db/client';
import { DEFAULT_TYPE_WEIGHTS } from './fallbacks';
import type { ItemRequestState } from '../types';

export interface UserState extends ItemRequestState {
  /** Users in a block relation with this one, either direction. */
  blocked: Set<number>;
  /** Everyone this user follows, visible or not, and the user themself: never suggested as friends. */
  following: Set<number>;
}

/**
 * A bound on one request's work. It must exceed the longest histories we serve: an item
 * beyond the cap is no longer excluded as seen and comes back as a recommendation
 * (MovieLens-100K has users with 700 ratings).
 */
const HISTORY_LIMIT = 5000;

/**
 * About what a state costs in V8's heap (8-byte pointers): an object of two numbers plus its
 * array slot per history entry, a slot per id, a hash-set entry per follow or block.
 */
export function stateBytes(state: UserState): number {
  const ids = state.hiddenItemIds.length + state.followeeIds.length + state.friendIds.length + state.excludeItemIds.length;
  return 400 + 56 * state.history.length + 8 * ids + 32 * (state.blocked.size + state.following.size);
}

export async function blockedWith(db: SqlSession, userId: number): Promise<Set<number>> {
  const rows = await db.query<{ other: number }>(
    `SELECT CASE WHEN "blockerId" = $1 THEN "blockedId" ELSE "blockerId" END AS other
     FROM "Block" WHERE "blockerId" = $1 OR "blockedId" = $1`,
    [userId],
  );
  return new Set(rows.map((row) => Number(row.other)));
}

export async function loadUserState(db: SqlSession, userId: number): Promise<UserState> {
  const [interactions, following, blocked] = await Promise.all([
    db.query<{ itemId: number; type: string }>(
      `SELECT "itemId", type::text AS type FROM "Interaction" WHERE "userId" = $1 ORDER BY "createdAt" DESC LIMIT ${HISTORY_LIMIT}`,
      [userId],
    ),
    // Each followee, whether their account is private, and whether they follow back (friends).
    db.query<{ id: number; private: boolean; mutual: boolean }>(
      `SELECT f."followeeId" AS id, u."isPrivate" AS private,
              EXISTS (SELECT 1 FROM "Follow" b WHERE b."followerId" = f."followeeId" AND b."followeeId" = $1) AS mutual
       FROM "Follow" f JOIN "User" u ON u.id = f."followeeId" WHERE f."followerId" = $1`,
      [userId],
    ),
    blockedWith(db, userId),
  ]);
  const weights = new Map<number, number>();
  const hidden = new Set<number>();
  for (const row of interactions) {
    if (row.type === 'HIDE') hidden.add(row.itemId);
    else weights.set(row.itemId, (weights.get(row.itemId) ?? 0) + (DEFAULT_TYPE_WEIGHTS[row.type] ?? 1));
  }
  const visible = following.filter((row) => !blocked.has(row.id));
  return {
    userId,
    history: [...weights].filter(([itemId]) => !hidden.has(itemId)).map(([itemId, weight]) => ({ itemId, weight })),
    hiddenItemIds: [...hidden],
    // A private account's activity may explain recommendations only to its friends.
    followeeIds: visible.filter((row) => !row.private || row.mutual).map((row) => row.id),
    friendIds: visible.filter((row) => row.mutual).map((row) => row.id),
    excludeItemIds: [],
    blocked,
    following: new Set([userId, ...following.map((row) => Number(row.id))]),
  };
}
