/** Follow-graph lists, newest edge first, keyed by (createdAt, user id) for stable cursors. */
import type { Prisma, PrismaClient, User } from '../../generated/prisma/client';
import type { Page } from '../pagination';

export interface EdgeRow {
  user: User;
  createdAt: Date;
}

function afterKey(page: Page<[string, number]>, otherField: 'followerId' | 'followeeId'): Prisma.FollowWhereInput {
  if (!page.after) return {};
  const time = new Date(page.after[0]);
  return {
    OR: [{ createdAt: { lt: time } }, { createdAt: time, [otherField]: { lt: page.after[1] } }],
  };
}

export async function listFollowers(
  prisma: PrismaClient,
  userId: number,
  page: Page<[string, number]>,
  excludeIds: Set<number>,
  mutualOnly = false,
): Promise<EdgeRow[]> {
  const rows = await prisma.follow.findMany({
    where: {
      followeeId: userId,
      followerId: { notIn: [...excludeIds] },
      ...(mutualOnly ? { follower: { followers: { some: { followerId: userId } } } } : {}),
      ...afterKey(page, 'followerId'),
    },
    include: { follower: true },
    orderBy: [{ createdAt: 'desc' }, { followerId: 'desc' }],
    take: page.limit + 1,
  });
  return rows.map((row) => ({ user: row.follower, createdAt: row.createdAt }));
}

export async function listFollowing(
  prisma: PrismaClient,
  userId: number,
  page: Page<[string, number]>,
  excludeIds: Set<number>,
): Promise<EdgeRow[]> {
  const rows = await prisma.follow.findMany({
    where: { followerId: userId, followeeId: { notIn: [...excludeIds] }, ...afterKey(page, 'followeeId') },
    include: { followee: true },
    orderBy: [{ createdAt: 'desc' }, { followeeId: 'desc' }],
    take: page.limit + 1,
  });
  return rows.map((row) => ({ user: row.followee, createdAt: row.createdAt }));
}

/** Blocking removes follows both ways; the block itself is idempotent. */
export async function blockUser(prisma: PrismaClient, blockerId: number, blockedId: number): Promise<void> {
  await prisma.$transaction([
    prisma.follow.deleteMany({
      where: {
        OR: [
          { followerId: blockerId, followeeId: blockedId },
          { followerId: blockedId, followeeId: blockerId },
        ],
      },
    }),
    prisma.block.upsert({
      where: { blockerId_blockedId: { blockerId, blockedId } },
      create: { blockerId, blockedId },
      update: {},
    }),
  ]);
}
