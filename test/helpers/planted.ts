/**
 * A small social network with planted structure: communities of friends who share tastes.
 * Deterministic, so models trained on it land in a known quality band.
 */
import type { Database } from '../../src/db/client';
import { seededRng } from '../../src/recommender/eval/rng';

export interface Planted {
  communities: { users: number[]; items: number[]; category: string }[];
}

export async function plantCommunities(
  db: Database,
  options: { communities?: number; usersPer?: number; itemsPer?: number; taste?: number; seed?: number; tag?: string } = {},
): Promise<Planted> {
  const { communities = 4, usersPer = 12, itemsPer = 30, taste = 0.35, seed = 7, tag = 'p' } = options;
  const rng = seededRng(seed);
  const prisma = db.prisma;
  const result: Planted = { communities: [] };
  const base = Date.now() - 30 * 86400_000;
  for (let c = 0; c < communities; c++) {
    const users = await prisma.user.createManyAndReturn({
      data: Array.from({ length: usersPer }, (_, i) => ({ handle: `${tag}_c${c}_u${i}_${seed}`, displayName: `C${c} U${i}` })),
      select: { id: true },
    });
    const items = await prisma.item.createManyAndReturn({
      data: Array.from({ length: itemsPer }, (_, i) => ({
        title: `${tag} c${c} item ${i}`,
        category: `cat${c}`,
        tags: [`t${c}`, `t${c}_${i % 3}`],
        createdAt: new Date(base + i * 3600_000),
      })),
      select: { id: true },
    });
    result.communities.push({ users: users.map((u) => u.id), items: items.map((i) => i.id), category: `cat${c}` });
  }
  const follows: { followerId: number; followeeId: number }[] = [];
  const interactions: { userId: number; itemId: number; type: 'LIKE' | 'VIEW'; createdAt: Date }[] = [];
  for (const [c, community] of result.communities.entries()) {
    for (const u of community.users) {
      for (const v of community.users) if (u !== v && rng() < 0.5) follows.push({ followerId: u, followeeId: v });
      for (const item of community.items) {
        if (rng() < taste) interactions.push({ userId: u, itemId: item, type: rng() < 0.5 ? 'LIKE' : 'VIEW', createdAt: new Date(base + rng() * 29 * 86400_000) });
      }
      // A little noise from other communities.
      const other = result.communities[(c + 1) % result.communities.length];
      if (rng() < 0.5) interactions.push({ userId: u, itemId: other.items[Math.floor(rng() * other.items.length)], type: 'VIEW', createdAt: new Date(base) });
    }
  }
  const unique = new Map(follows.map((f) => [`${f.followerId}:${f.followeeId}`, f]));
  await prisma.follow.createMany({ data: [...unique.values()] });
  await prisma.interaction.createMany({ data: interactions });
  return result;
}
