/** Prisma queries for items. */
import type { Prisma, PrismaClient, Item } from '../../generated/prisma/client';
import type { Page } from '../pagination';

export interface ItemListFilter {
  category?: string | null;
  tags?: string[] | null;
  authorId?: number | null;
  text?: string | null;
}

export async function listItems(
  prisma: PrismaClient,
  page: Page<number>,
  filter: ItemListFilter,
  visibility: { includeHidden: boolean; blockedAuthors: Set<number> },
): Promise<Item[]> {
  const where: Prisma.ItemWhereInput = {
    ...(page.after ? { id: { lt: page.after } } : {}),
    ...(filter.category ? { category: filter.category } : {}),
    ...(filter.tags?.length ? { tags: { hasEvery: filter.tags } } : {}),
    ...(filter.authorId ? { authorId: filter.authorId } : {}),
    ...(visibility.includeHidden ? {} : { hidden: false }),
  };
  const and: Prisma.ItemWhereInput[] = [];
  if (visibility.blockedAuthors.size) {
    and.push({ OR: [{ authorId: null }, { authorId: { notIn: [...visibility.blockedAuthors] } }] });
  }
  if (filter.text) {
    and.push({
      OR: [
        { title: { contains: filter.text, mode: 'insensitive' } },
        { body: { contains: filter.text, mode: 'insensitive' } },
      ],
    });
  }
  if (and.length) where.AND = and;
  return prisma.item.findMany({ where, orderBy: { id: 'desc' }, take: page.limit + 1 });
}
