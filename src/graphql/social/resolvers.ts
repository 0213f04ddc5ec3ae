import type { Resolvers } from '../../generated/graphql';
import { userError, type UserErrorCode } from '../../errors';
import { loadOrNull, requireActivityVisible, requireViewer, visibleUser } from '../access';
import { fromGlobalId } from '../ids';
import { connectionOf, isTimeIdKey, readPage, type Page } from '../pagination';
import { blockUser, listFollowers, listFollowing, type EdgeRow } from './queries';

const edgeKey = (row: EdgeRow) => [row.createdAt.toISOString(), row.user.id];

function edgeConnection(rows: EdgeRow[], page: Page<unknown>) {
  return connectionOf(rows, page, edgeKey, (row, cursor) => ({ cursor, node: row.user }));
}

export const socialResolvers: Resolvers = {
  User: {
    followers: async (user, args, ctx) => {
      await requireActivityVisible(ctx, user);
      const page = readPage(args, ctx.config.maxPageSize, isTimeIdKey);
      return edgeConnection(await listFollowers(ctx.prisma, user.id, page, await ctx.loaders.blockedWithViewer()), page);
    },
    following: async (user, args, ctx) => {
      await requireActivityVisible(ctx, user);
      const page = readPage(args, ctx.config.maxPageSize, isTimeIdKey);
      return edgeConnection(await listFollowing(ctx.prisma, user.id, page, await ctx.loaders.blockedWithViewer()), page);
    },
    friends: async (user, args, ctx) => {
      await requireActivityVisible(ctx, user);
      const page = readPage(args, ctx.config.maxPageSize, isTimeIdKey);
      const rows = await listFollowers(ctx.prisma, user.id, page, await ctx.loaders.blockedWithViewer(), true);
      return edgeConnection(rows, page);
    },
  },

  Mutation: {
    follow: async (_, args, ctx) => {
      const viewerId = requireViewer(ctx);
      const targetId = fromGlobalId(args.userId, 'User', 'userId');
      const viewer = await loadOrNull(ctx.loaders.user, viewerId);
      const fail = (code: UserErrorCode, message: string) => ({
        user: null,
        viewer,
        userErrors: [userError(code, message, ['userId'])],
      });
      if (targetId === viewerId) return fail('SELF_REFERENCE', 'You cannot follow yourself');
      const target = await loadOrNull(ctx.loaders.user, targetId);
      if (!target || target.erasedAt) return fail('NOT_FOUND', 'No such user');
      // The blocker is told why; someone blocked just does not find the user.
      if (await ctx.loaders.viewerBlocks.load(targetId)) return fail('BLOCKED', 'Unblock this user to follow them');
      if (!(await visibleUser(ctx, target))) return fail('NOT_FOUND', 'No such user');
      await ctx.prisma.follow.upsert({
        where: { followerId_followeeId: { followerId: viewerId, followeeId: targetId } },
        create: { followerId: viewerId, followeeId: targetId },
        update: {},
      });
      ctx.loaders.viewerFollows.clear(targetId);
      ctx.recommender.forgetUser(viewerId);
      return { user: target, viewer, userErrors: [] };
    },
    unfollow: async (_, args, ctx) => {
      const viewerId = requireViewer(ctx);
      const targetId = fromGlobalId(args.userId, 'User', 'userId');
      await ctx.prisma.follow.deleteMany({ where: { followerId: viewerId, followeeId: targetId } });
      ctx.loaders.viewerFollows.clear(targetId);
      ctx.recommender.forgetUser(viewerId, targetId);
      const target = await visibleUser(ctx, await loadOrNull(ctx.loaders.user, targetId));
      return {
        user: target,
        viewer: await loadOrNull(ctx.loaders.user, viewerId),
        userErrors: target ? [] : [userError('NOT_FOUND', 'No such user', ['userId'])],
      };
    },
    block: async (_, args, ctx) => {
      const viewerId = requireViewer(ctx);
      const targetId = fromGlobalId(args.userId, 'User', 'userId');
      const viewer = await loadOrNull(ctx.loaders.user, viewerId);
      if (targetId === viewerId) {
        return { user: null, viewer, userErrors: [userError('SELF_REFERENCE', 'You cannot block yourself', ['userId'])] };
      }
      const target = await loadOrNull(ctx.loaders.user, targetId);
      if (!target || target.erasedAt) return { user: null, viewer, userErrors: [userError('NOT_FOUND', 'No such user', ['userId'])] };
      await blockUser(ctx.prisma, viewerId, targetId);
      ctx.recommender.forgetUser(viewerId, targetId);
      // The blocked user is still returned to the blocker, so the client can show "Unblock".
      ctx.loaders.viewerBlocks.clear(targetId);
      return { user: target, viewer, userErrors: [] };
    },
    unblock: async (_, args, ctx) => {
      const viewerId = requireViewer(ctx);
      const targetId = fromGlobalId(args.userId, 'User', 'userId');
      await ctx.prisma.block.deleteMany({ where: { blockerId: viewerId, blockedId: targetId } });
      ctx.loaders.viewerBlocks.clear(targetId);
      ctx.recommender.forgetUser(viewerId, targetId);
      const target = await loadOrNull(ctx.loaders.user, targetId);
      return {
        user: target && !target.erasedAt ? target : null,
        viewer: await loadOrNull(ctx.loaders.user, viewerId),
        userErrors: target ? [] : [userError('NOT_FOUND', 'No such user', ['userId'])],
      };
    },
  },
};
