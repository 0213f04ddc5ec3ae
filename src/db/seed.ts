/**
 * A small built-in demo social network, generated deterministically so a newcomer's first
 * query returns something real: communities of users who follow each other and share tastes.
 * Loaded on first start with an empty database (SEED_DEMO=false turns it off), dated relative
 * to that start so trending windows, freshness and time decay look as they will in production.
 * Safe when several processes start together on one empty database: one seeds, the rest see it.
 */
import type { Prisma } from '../generated/prisma/client';
import type { Database } from './client';
import { seededRng, type Rng } from '../recommender/eval/rng';

const COMMUNITIES = [
  { name: 'jazz', category: 'music', tags: ['jazz', 'vinyl', 'live', 'saxophone', 'bebop'] },
  { name: 'hiking', category: 'outdoors', tags: ['trails', 'alps', 'camping', 'gear', 'maps'] },
  { name: 'cooking', category: 'food', tags: ['recipes', 'baking', 'vegan', 'spices', 'bread'] },
  { name: 'coding', category: 'tech', tags: ['typescript', 'databases', 'graphql', 'rust', 'testing'] },
] as const;

const FIRST = ['Ada', 'Ben', 'Chloe', 'Dev', 'Elif', 'Femi', 'Gus', 'Hana', 'Ivo', 'Jun', 'Kai', 'Lea', 'Mo', 'Nia', 'Oli'];
const USERS_PER_COMMUNITY = 15;
const ITEMS_PER_COMMUNITY = 75;
const DAY_MS = 86_400_000;
// Serialises seeding across processes (a transaction-scoped advisory lock; any unused key).
const SEED_LOCK_KEY = 0x7365_6564;

const pick = <T>(rng: Rng, values: readonly T[]) => values[Math.floor(rng() * values.length)];

export interface SeedSummary {
  users: number;
  items: number;
  follows: number;
  interactions: number;
}

/**
 * Seeds only an empty database; returns null when users already exist. All or nothing: one
 * transaction, so a crash mid-seed leaves the database empty and the next start seeds it.
 */
export async function seedDemoData(db: Database, now = new Date()): Promise<SeedSummary | null> {
  return db.prisma.$transaction(
    async (prisma) => {
      // A second process waits here, then finds the users the first one committed.
      await prisma.$executeRawUnsafe('SELECT pg_advisory_xact_lock($1)', SEED_LOCK_KEY);
      if ((await prisma.user.count()) > 0) return null;
      return seed(prisma, now);
    },
    // A loaded machine can take a while; the default 5 s would abort the seed half way.
    { maxWait: 60_000, timeout: 120_000 },
  );
}

async function seed(prisma: Prisma.TransactionClient, now: Date): Promise<SeedSummary> {
  const rng = seededRng(20261122);
  const users: Prisma.UserCreateManyInput[] = [];
  COMMUNITIES.forEach((community, c) => {
    for (let i = 0; i < USERS_PER_COMMUNITY; i++) {
      const first = FIRST[i];
      users.push({
        handle: `${first.toLowerCase()}_${community.name}`,
        displayName: `${first} (${community.name})`,
        bio: `Into ${community.name}.`,
        isPrivate: i === USERS_PER_COMMUNITY - 1,
        role: c === 0 && i === 0 ? 'ADMIN' : 'USER',
        externalId: `demo:${c * USERS_PER_COMMUNITY + i + 1}`,
        createdAt: new Date(now.getTime() - (400 - c * 10 - i) * DAY_MS),
      });
    }
  });
  const createdUsers = await prisma.user.createManyAndReturn({ data: users, select: { id: true } });
  const userIds = createdUsers.map((user) => user.id);
  const communityOf = (userIndex: number) => Math.floor(userIndex / USERS_PER_COMMUNITY);

  const items: Prisma.ItemCreateManyInput[] = [];
  COMMUNITIES.forEach((community, c) => {
    for (let i = 0; i < ITEMS_PER_COMMUNITY; i++) {
      const tags = [pick(rng, community.tags), pick(rng, community.tags)];
      const author = userIds[c * USERS_PER_COMMUNITY + Math.floor(rng() * USERS_PER_COMMUNITY)];
      items.push({
        title: `${community.name} post #${i + 1}: ${tags[0]} and ${tags[1]}`,
        body: `A ${community.category} piece about ${tags.join(' and ')}.`,
        category: community.category,
        tags: [...new Set(tags)],
        authorId: author,
        externalId: `demo-item:${c * ITEMS_PER_COMMUNITY + i + 1}`,
        createdAt: new Date(now.getTime() - Math.floor(rng() * 120) * DAY_MS),
      });
    }
  });
  const createdItems = await prisma.item.createManyAndReturn({ data: items, select: { id: true, category: true, createdAt: true } });

  const follows = new Map<string, Prisma.FollowCreateManyInput>();
  userIds.forEach((follower, u) => {
    userIds.forEach((followee, v) => {
      if (u === v) return;
      const p = communityOf(u) === communityOf(v) ? 0.35 : 0.02;
      if (rng() < p) follows.set(`${follower}:${followee}`, { followerId: follower, followeeId: followee });
    });
  });
  await prisma.follow.createMany({ data: [...follows.values()] });

  const types = ['VIEW', 'VIEW', 'VIEW', 'CLICK', 'LIKE', 'LIKE', 'SHARE', 'BOOKMARK', 'COMMENT'] as const;
  const interactions: Prisma.InteractionCreateManyInput[] = [];
  userIds.forEach((userId, u) => {
    const home = COMMUNITIES[communityOf(u)].category;
    for (const item of createdItems) {
      const p = item.category === home ? 0.12 : 0.01;
      if (rng() < p) {
        // Within the last 90 days and never before the item existed.
        const since = Math.max(item.createdAt.getTime(), now.getTime() - 90 * DAY_MS);
        interactions.push({
          userId,
          itemId: item.id,
          type: pick(rng, types),
          createdAt: new Date(since + Math.floor(rng() * (now.getTime() - since))),
        });
      }
    }
  });
  await prisma.interaction.createMany({ data: interactions });
  return { users: userIds.length, items: createdItems.length, follows: follows.size, interactions: interactions.length };
}
