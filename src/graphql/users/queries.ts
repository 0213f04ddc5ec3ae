/** Prisma queries for users, kept out of resolvers. */
import type { Prisma, PrismaClient, User } from '../../generated/prisma/client';
import { IMPRESSION_ERASE_LOCK } from '../../online/recorder';
import type { Page } from '../pagination';

export async function listUsers(
  prisma: PrismaClient,
  page: Page<number>,
  options: { search?: string | null; excludeIds: Set<number>; includeErased: boolean },
): Promise<User[]> {
  const where: Prisma.UserWhereInput = {
    id: { notIn: [...options.excludeIds], ...(page.after ? { lt: page.after } : {}) },
    ...(options.includeErased ? {} : { erasedAt: null }),
  };
  if (options.search) {
    where.OR = [
      { handle: { contains: options.search, mode: 'insensitive' } },
      { displayName: { contains: options.search, mode: 'insensitive' } },
    ];
  }
  return prisma.user.findMany({ where, orderBy: { id: 'desc' }, take: page.limit + 1 });
}

/**
 * The privacy erase: deletes the user's interactions, follows and blocks, unlinks their items
 * and blanks the profile, in one transaction. The row stays as a tombstone.
 */
export async function eraseUser(prisma: PrismaClient, userId: number): Promise<void> {
  await prisma.$transaction([
    // First: waits for impression batches in flight, holds back later ones until commit.
    prisma.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${IMPRESSION_ERASE_LOCK})`),
    prisma.interaction.deleteMany({ where: { userId } }),
    // What they were shown goes too; where they were shown to others as a suggestion, their id
    // becomes 0 so the other entries keep their positions (src/online/metrics.ts skips 0).
    prisma.impression.deleteMany({ where: { viewerId: userId } }),
    prisma.$executeRaw`UPDATE "Impression" SET "shownIds" = array_replace("shownIds", ${userId}, 0) WHERE kind = 'FRIENDS' AND ${userId} = ANY("shownIds")`,
    prisma.follow.deleteMany({ where: { OR: [{ followerId: userId }, { followeeId: userId }] } }),
    prisma.block.deleteMany({ where: { OR: [{ blockerId: userId }, { blockedId: userId }] } }),
    prisma.item.updateMany({ where: { authorId: userId }, data: { authorId: null } }),
    prisma.user.update({
      where: { id: userId },
      data: {
        handle: `erased-${userId}`,
        displayName: '',
        bio: null,
        externalId: null,
        isPrivate: true,
        role: 'USER',
        erasedAt: new Date(),
      },
    }),
  ]);
}
