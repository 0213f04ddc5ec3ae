import type { Prisma } from '../../generated/prisma/client';
import type { Resolvers } from '../../generated/graphql';
import { badInput, forbidden, userError } from '../../errors';
import {
  canSeeActivity,
  isAdmin,
  isSelf,
  loadOrNull,
  requireActivityVisible,
  requireAdmin,
  requireSelfOrAdmin,
  requireViewer,
  visibleUser,
} from '../access';
import { fromGlobalId, rowGlobalId } from '../ids';
import { isBigIdKey, isIdKey, readPage, toConnection } from '../pagination';
import { errorsOf, handle, isUniqueViolation, LIMITS, text } from '../validation';
import { eraseUser, listUsers } from './queries';

export const userResolvers: Resolvers = {
  Query: {
    viewer: async (_, __, ctx) => (ctx.viewer ? visibleUser(ctx, await loadOrNull(ctx.loaders.user, ctx.viewer.userId)) : null),
    user: async (_, args, ctx) => {
      const given = [args.id, args.handle, args.externalId].filter((value) => value != null);
      if (given.length !== 1) throw badInput('Give exactly one of id, handle or externalId');
      if (args.id != null) return visibleUser(ctx, await loadOrNull(ctx.loaders.user, fromGlobalId(args.id, 'User')));
      const where: Prisma.UserWhereUniqueInput = args.handle != null ? { handle: args.handle } : { externalId: args.externalId! };
      return visibleUser(ctx, await ctx.prisma.user.findUnique({ where }));
    },
    users: async (_, args, ctx) => {
      const page = readPage(args, ctx.config.maxPageSize, isIdKey);
      if (args.search != null && args.search.length > 100) throw badInput('`search` must be at most 100 characters', 'search');
      const rows = await listUsers(ctx.prisma, page, {
        search: args.search,
        excludeIds: isAdmin(ctx) ? new Set() : await ctx.loaders.blockedWithViewer(),
        includeErased: isAdmin(ctx),
      });
      return toConnection(rows, page, (row) => row.id);
    },
  },

  User: {
    id: (user) => rowGlobalId('User', user),
    externalId: (user, _, ctx) => (isSelf(ctx, user.id) || isAdmin(ctx) ? user.externalId : null),
    erased: (user) => user.erasedAt !== null,
    isViewer: (user, _, ctx) => isSelf(ctx, user.id),
    viewerFollows: (user, _, ctx) => ctx.loaders.viewerFollows.load(user.id),
    followsViewer: (user, _, ctx) => ctx.loaders.followsViewer.load(user.id),
    viewerBlocks: (user, _, ctx) => ctx.loaders.viewerBlocks.load(user.id),
    counts: (user, _, ctx) => ({
      followers: ctx.loaders.followerCount.load(user.id),
      following: ctx.loaders.followingCount.load(user.id),
      friends: ctx.loaders.friendCount.load(user.id),
      items: ctx.loaders.authoredItemCount.load(user.id),
      // Counts of follows are public; how much a private user does is not.
      interactions: canSeeActivity(ctx, user).then((visible) => (visible ? ctx.loaders.interactionCount.load(user.id) : 0)),
    }) as never,
    items: async (user, args, ctx) => {
      const page = readPage(args, ctx.config.maxPageSize, isIdKey);
      const rows = page.after
        ? await ctx.prisma.item.findMany({
            where: { authorId: user.id, id: { lt: page.after } },
            orderBy: { id: 'desc' },
            take: page.limit + 1,
          })
        : await ctx.loaders.authoredItemsFirstPage.load(`${user.id}:${page.limit}`);
      const own = isSelf(ctx, user.id) || isAdmin(ctx);
      return toConnection(own ? rows : rows.filter((item) => !item.hidden), page, (row) => row.id);
    },
    interactions: async (user, args, ctx) => {
      await requireActivityVisible(ctx, user);
      const page = readPage(args, ctx.config.maxPageSize, isBigIdKey);
      const rows = await ctx.prisma.interaction.findMany({
        where: {
          userId: user.id,
          ...(args.type ? { type: args.type } : {}),
          ...(page.after ? { id: { lt: BigInt(page.after) } } : {}),
        },
        orderBy: { id: 'desc' },
        take: page.limit + 1,
      });
      return toConnection(rows, page, (row) => Number(row.id));
    },
  },

  Mutation: {
    createUser: async (_, { input }, ctx) => {
      requireAdmin(ctx);
      const userErrors = errorsOf(
        handle(input.handle, ['input', 'handle']),
        text(input.displayName, ['input', 'displayName'], LIMITS.displayName),
        text(input.bio, ['input', 'bio'], LIMITS.bio),
        text(input.externalId, ['input', 'externalId'], { min: 1, max: LIMITS.externalId.max }),
      );
      if (userErrors.length) return { user: null, userErrors };
      try {
        const user = await ctx.prisma.user.create({
          data: {
            handle: input.handle,
            displayName: input.displayName.trim(),
            bio: input.bio ?? null,
            isPrivate: input.isPrivate ?? false,
            externalId: input.externalId ?? null,
            role: input.role ?? 'USER',
          },
        });
        return { user, userErrors: [] };
      } catch (error) {
        if (isUniqueViolation(error)) {
          return { user: null, userErrors: [userError('TAKEN', 'Handle or externalId is already taken', ['input', 'handle'])] };
        }
        throw error;
      }
    },
    updateUser: async (_, { input }, ctx) => {
      const id = fromGlobalId(input.id, 'User', 'input.id');
      requireSelfOrAdmin(ctx, id);
      if (input.role != null && !isAdmin(ctx)) throw forbidden('Only admins change roles');
      const existing = await loadOrNull(ctx.loaders.user, id);
      if (!existing || existing.erasedAt) {
        return { user: null, userErrors: [userError('NOT_FOUND', 'No such user', ['input', 'id'])] };
      }
      const userErrors = errorsOf(
        handle(input.handle, ['input', 'handle']),
        text(input.displayName, ['input', 'displayName'], LIMITS.displayName),
        text(input.bio, ['input', 'bio'], LIMITS.bio),
      );
      if (userErrors.length) return { user: null, userErrors };
      try {
        const user = await ctx.prisma.user.update({
          where: { id },
          data: {
            ...(input.handle != null ? { handle: input.handle } : {}),
            ...(input.displayName != null ? { displayName: input.displayName.trim() } : {}),
            ...(input.bio !== undefined ? { bio: input.bio } : {}),
            ...(input.isPrivate != null ? { isPrivate: input.isPrivate } : {}),
            ...(input.role != null ? { role: input.role } : {}),
          },
        });
        return { user, userErrors: [] };
      } catch (error) {
        if (isUniqueViolation(error)) {
          return { user: null, userErrors: [userError('TAKEN', 'Handle is already taken', ['input', 'handle'])] };
        }
        throw error;
      }
    },
    deleteUser: async (_, args, ctx) => {
      const id = fromGlobalId(args.id, 'User');
      requireSelfOrAdmin(ctx, id);
      requireViewer(ctx);
      const existing = await loadOrNull(ctx.loaders.user, id);
      if (!existing || existing.erasedAt) {
        return { erasedUserId: null, userErrors: [userError('NOT_FOUND', 'No such user', ['id'])] };
      }
      await eraseUser(ctx.prisma, id);
      ctx.recommender.noteChange({ kind: 'users', ids: [id] });
      ctx.logger.info({ userId: id, by: ctx.viewer?.userId }, 'user erased');
      return { erasedUserId: args.id, userErrors: [] };
    },
  },
};
