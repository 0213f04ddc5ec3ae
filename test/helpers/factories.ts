/** Row builders with unique keys, so tests create what they need and never collide. */
import type { Database } from '../../src/db/client';
import type { InteractionType, Item, User } from '../../src/generated/prisma/client';

let sequence = 0;
const next = () => `${process.pid.toString(36)}${(++sequence).toString(36)}`;

export function factories(db: Database) {
  const prisma = db.prisma;
  return {
    user: (data: Partial<User> = {}): Promise<User> => {
      const key = next();
      return prisma.user.create({ data: { handle: `user_${key}`, displayName: `User ${key}`, ...data } });
    },
    item: (data: Partial<Item> = {}): Promise<Item> => {
      const key = next();
      return prisma.item.create({ data: { title: `Item ${key}`, body: `Body of ${key}`, ...data } });
    },
    follow: (followerId: number, followeeId: number) => prisma.follow.create({ data: { followerId, followeeId } }),
    friends: async (a: number, b: number) => {
      await prisma.follow.createMany({ data: [{ followerId: a, followeeId: b }, { followerId: b, followeeId: a }] });
    },
    block: (blockerId: number, blockedId: number) => prisma.block.create({ data: { blockerId, blockedId } }),
    interaction: (userId: number, itemId: number, type: InteractionType = 'LIKE', createdAt?: Date) =>
      prisma.interaction.create({ data: { userId, itemId, type, ...(createdAt ? { createdAt } : {}) } }),
  };
}
