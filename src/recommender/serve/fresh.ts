/**
 * Items created after the serving model was trained are unknown to it. They enter by content
 * and freshness: ranked by how well their category and tags match the user's recent history
 * and whether the user follows their author, then woven into the model's list at a fixed
 * share of the positions.
 */
import type { PrismaClient } from '../../generated/prisma/client';
import type { ItemReason, ItemRequest, RecommendedItem } from '../types';

const MAX_FRESH_CANDIDATES = 200;
/** Every third position, starting with the third, may go to a new item. */
const FIRST_SLOT = 2;
const SLOT_EVERY = 3;

export async function freshItems(
  prisma: PrismaClient,
  options: {
    newerThanId: number;
    historyItemIds: number[];
    followeeIds: number[];
    blocked: Set<number>;
    request: ItemRequest;
    exclude: Set<number>;
  },
): Promise<RecommendedItem[]> {
  const { request } = options;
  const [candidates, history] = await Promise.all([
    prisma.item.findMany({
      where: {
        id: { gt: options.newerThanId },
        hidden: false,
        OR: [{ authorId: null }, { authorId: { notIn: [...options.blocked] } }],
        ...(request.category ? { category: request.category } : {}),
        ...(request.tags?.length ? { tags: { hasEvery: request.tags } } : {}),
      },
      orderBy: { id: 'desc' },
      take: MAX_FRESH_CANDIDATES,
      select: { id: true, category: true, tags: true, authorId: true },
    }),
    prisma.item.findMany({ where: { id: { in: options.historyItemIds.slice(0, 200) } }, select: { category: true, tags: true } }),
  ]);
  if (candidates.length === 0) return [];
  const categoryShare = new Map<string, number>();
  const tagShare = new Map<string, number>();
  for (const item of history) {
    if (item.category) categoryShare.set(item.category, (categoryShare.get(item.category) ?? 0) + 1 / history.length);
    for (const tag of item.tags) tagShare.set(tag, (tagShare.get(tag) ?? 0) + 1 / history.length);
  }
  const followees = new Set(options.followeeIds);
  return candidates
    .filter((item) => !options.exclude.has(item.id))
    .map((item) => {
      const interest = (item.category ? categoryShare.get(item.category) ?? 0 : 0) + item.tags.reduce((sum, tag) => sum + (tagShare.get(tag) ?? 0), 0) / Math.max(1, item.tags.length);
      const followed = item.authorId !== null && followees.has(item.authorId) ? 1 : 0;
      const reasons: ItemReason[] = [];
      const total = interest + followed || 1;
      if (followed) reasons.push({ kind: 'FROM_FOLLOWED_AUTHOR', userIds: [item.authorId!], itemId: null, weight: followed / total });
      if (interest > 0) reasons.push({ kind: 'MATCHES_INTERESTS', userIds: [], itemId: null, weight: interest / total });
      reasons.push({ kind: 'NEW_ITEM', userIds: [], itemId: null, weight: reasons.length ? 0 : 1 });
      return { itemId: item.id, score: interest + followed, reasons };
    })
    .filter((item) => item.score > 0 || history.length === 0)
    .sort((a, b) => b.score - a.score || b.itemId - a.itemId);
}

/** Weaves new items into the model's ranking at reserved positions; scores stay monotone. */
export function weave(ranked: RecommendedItem[], fresh: RecommendedItem[], limit: number): RecommendedItem[] {
  const out: RecommendedItem[] = [];
  let r = 0;
  let f = 0;
  while (out.length < limit && (r < ranked.length || f < fresh.length)) {
    const slot = out.length >= FIRST_SLOT && (out.length - FIRST_SLOT) % SLOT_EVERY === 0;
    if ((slot && f < fresh.length) || r >= ranked.length) {
      const previous = out.length ? out[out.length - 1].score : 1;
      const next = r < ranked.length ? ranked[r].score : previous;
      out.push({ ...fresh[f++], score: (previous + next) / 2 });
    } else out.push(ranked[r++]);
  }
  return out;
}
