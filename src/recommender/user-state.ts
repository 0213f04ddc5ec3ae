/**
 * What the recommender needs to know about one user at request time, read fresh from the
 * database so a just-recorded interaction counts at once (no retraining, no cache).
 */
import type { PrismaClient } from '../generated/prisma/client';
import { DEFAULT_TYPE_WEIGHTS } from './fallbacks';
import type { ItemRequestState } from './serving/items';

/** Recent history is what a user's taste is made of; older entries add little and cost time. */
const HISTORY_LIMIT = 500;

export async function blockedWith(prisma: PrismaClient, userId: number): Promise<Set<number>> {
  const rows = await prisma.block.findMany({ where: { OR: [{ blockerId: userId }, { blockedId: userId }] } });
  return new Set(rows.map((row) => (row.blockerId === userId ? row.blockedId : row.blockerId)));
}

export async function loadUserState(prisma: PrismaClient, userId: number): Promise<ItemRequestState & { blocked: Set<number> }> {
  const [interactions, following, followers, blocked] = await Promise.all([
    prisma.interaction.findMany({
      where: { userId },
      orderBy: { createdAt: 'desc' },
      take: HISTORY_LIMIT,
      select: { itemId: true, type: true },
    }),
    prisma.follow.findMany({ where: { followerId: userId }, select: { followeeId: true, followee: { select: { isPrivate: true } } } }),
    prisma.follow.findMany({ where: { followeeId: userId }, select: { followerId: true } }),
    blockedWith(prisma, userId),
  ]);
  const weights = new Map<number, number>();
  const hidden = new Set<number>();
  for (const row of interactions) {
    if (row.type === 'HIDE') hidden.add(row.itemId);
    else weights.set(row.itemId, (weights.get(row.itemId) ?? 0) + (DEFAULT_TYPE_WEIGHTS[row.type] ?? 1));
  }
  const followsBack = new Set(followers.map((row) => row.followerId));
  const friendIds = following.filter((row) => followsBack.has(row.followeeId)).map((row) => row.followeeId);
  // A private account's activity may explain recommendations only to its friends.
  const followeeIds = following
    .filter((row) => !row.followee.isPrivate || followsBack.has(row.followeeId))
    .map((row) => row.followeeId)
    .filter((id) => !blocked.has(id));
  return {
    userId,
    history: [...weights].filter(([itemId]) => !hidden.has(itemId)).map(([itemId, weight]) => ({ itemId, weight })),
    hiddenItemIds: [...hidden],
    followeeIds,
    friendIds: friendIds.filter((id) => !blocked.has(id)),
    excludeItemIds: [],
    blocked,
  };
}
