import type { Resolvers } from '../../generated/graphql';
import { badInput, forbidden, userError, type UserError } from '../../errors';
import {
  isAdmin,
  isSelf,
  loadOrNull,
  requireViewer,
  visibleItem,
  visibleUser,
} from '../access';
import { fromGlobalId, rowGlobalId } from '../ids';
import { isIdKey, isTimeBigIdKey, readPage, toConnection } from '../pagination';
import { errorsOf, isUniqueViolation, LIMITS, normaliseTags, tags, text } from '../validation';
import { listItems } from './queries';

function itemErrors(input: {
  title?: string | null;
  body?: string | null;
  category?: string | null;
  tags?: string[] | null;
  externalId?: string | null;
}): UserError[] {
  return errorsOf(
    text(input.title, ['input', 'title'], LIMITS.title),
    text(input.body, ['input', 'body'], LIMITS.body),
    text(input.category, ['input', 'category'], { min: 1, max: LIMITS.category.max }),
    tags(input.tags, ['input', 'tags']),
    text(input.externalId, ['input', 'externalId'], { min: 1, max: LIMITS.externalId.max }),
  );
}

export const itemResolvers: Resolvers = {
  Query: {
    item: async (_, args, ctx) => {
      if ((args.id == null) === (args.externalId == null)) throw badInput('Give exactly one of id or externalId');
      const item =
        args.id != null
          ? await loadOrNull(ctx.loaders.item, fromGlobalId(args.id, 'Item'))
          : await ctx.prisma.item.findUnique({ where: { externalId: args.externalId! } });
      return visibleItem(ctx, item);
    },
    items: async (_, args, ctx) => {
      const page = readPage(args, ctx.config.maxPageSize, isIdKey);
      const filter = args.filter ?? {};
      if (filter.text != null && filter.text.length > 200) throw badInput('`filter.text` must be at most 200 characters', 'filter.text');
      if (filter.tags != null && filter.tags.length > LIMITS.tags.count) throw badInput(`At most ${LIMITS.tags.count} tags`, 'filter.tags');
      const authorId = filter.authorId != null ? fromGlobalId(filter.authorId, 'User', 'filter.authorId') : null;
      const rows = await listItems(
        ctx.prisma,
        page,
        { ...filter, tags: filter.tags ? normaliseTags(filter.tags) : null, authorId },
        {
          includeHidden: isAdmin(ctx) || (authorId !== null && isSelf(ctx, authorId)),
          blockedAuthors: await ctx.loaders.blockedWithViewer(),
        },
      );
      return toConnection(rows, page, (row) => row.id);
    },
  },

  Item: {
    id: (item) => rowGlobalId('Item', item),
    author: async (item, _, ctx) => (item.authorId ? visibleUser(ctx, await loadOrNull(ctx.loaders.user, item.authorId)) : null),
    counts: (item, _, ctx) => ctx.loaders.itemCountsByType.load(item.id) as never,
    viewerInteractions: async (item, args, ctx) => {
      const page = readPage(args, ctx.config.maxPageSize, isTimeBigIdKey);
      if (!ctx.viewer) return toConnection([], page, () => null);
      const rows = page.after
        ? await ctx.prisma.interaction.findMany({
            where: {
              userId: ctx.viewer.userId,
              itemId: item.id,
              OR: [
                { createdAt: { lt: new Date(page.after[0]) } },
                { createdAt: new Date(page.after[0]), id: { lt: BigInt(page.after[1]) } },
              ],
            },
            orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
            take: page.limit + 1,
          })
        : await ctx.loaders.viewerInteractionsFirstPage.load(`${item.id}:${page.limit}`);
      return toConnection(rows, page, (row) => [row.createdAt.toISOString(), Number(row.id)]);
    },
  },

  Mutation: {
    createItem: async (_, { input }, ctx) => {
      const viewerId = requireViewer(ctx);
      let authorId = viewerId;
      if (input.authorId != null) {
        authorId = fromGlobalId(input.authorId, 'User', 'input.authorId');
        if (authorId !== viewerId && !isAdmin(ctx)) {
          throw forbidden('Only admins create items for others');
        }
      }
      const userErrors = itemErrors(input);
      if (userErrors.length) return { item: null, userErrors };
      const author = await loadOrNull(ctx.loaders.user, authorId);
      if (!author || author.erasedAt) return { item: null, userErrors: [userError('NOT_FOUND', 'No such author', ['input', 'authorId'])] };
      try {
        const item = await ctx.prisma.item.create({
          data: {
            title: input.title.trim(),
            body: input.body ?? '',
            category: input.category ?? null,
            tags: normaliseTags(input.tags ?? []),
            externalId: input.externalId ?? null,
            authorId,
          },
        });
        return { item, userErrors: [] };
      } catch (error) {
        if (isUniqueViolation(error)) {
          return { item: null, userErrors: [userError('TAKEN', 'externalId is already taken', ['input', 'externalId'])] };
        }
        throw error;
      }
    },
    updateItem: async (_, { input }, ctx) => {
      requireViewer(ctx);
      const id = fromGlobalId(input.id, 'Item', 'input.id');
      const item = await loadOrNull(ctx.loaders.item, id);
      if (!item || !(await visibleItem(ctx, item))) {
        return { item: null, userErrors: [userError('NOT_FOUND', 'No such item', ['input', 'id'])] };
      }
      if (!isAdmin(ctx) && !(item.authorId !== null && isSelf(ctx, item.authorId))) {
        throw forbidden('Only the author or an admin may edit this item');
      }
      const userErrors = itemErrors(input);
      if (userErrors.length) return { item: null, userErrors };
      const updated = await ctx.prisma.item.update({
        where: { id },
        data: {
          ...(input.title != null ? { title: input.title.trim() } : {}),
          ...(input.body != null ? { body: input.body } : {}),
          ...(input.category !== undefined ? { category: input.category } : {}),
          ...(input.tags != null ? { tags: normaliseTags(input.tags) } : {}),
          ...(input.hidden != null ? { hidden: input.hidden } : {}),
        },
      });
      return { item: updated, userErrors: [] };
    },
    deleteItem: async (_, args, ctx) => {
      requireViewer(ctx);
      const id = fromGlobalId(args.id, 'Item');
      const item = await loadOrNull(ctx.loaders.item, id);
      if (!item || !(await visibleItem(ctx, item))) {
        return { deletedItemId: null, userErrors: [userError('NOT_FOUND', 'No such item', ['id'])] };
      }
      if (!isAdmin(ctx) && !(item.authorId !== null && isSelf(ctx, item.authorId))) {
        throw forbidden('Only the author or an admin may delete this item');
      }
      await ctx.prisma.item.delete({ where: { id } });
      return { deletedItemId: args.id, userErrors: [] };
    },
  },
};
