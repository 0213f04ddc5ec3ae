import type { FieldNode, GraphQLResolveInfo, SelectionSetNode } from 'graphql';
import { randomUUID } from 'node:crypto';
import type { Item, User } from '../../generated/prisma/client';
import type { Resolvers } from '../../generated/graphql';
import type { Context } from '../../context';
import type { ServedItem } from '../../recommender/serve/service';
import { badInput } from '../../errors';
import { isSelf, loadOrNull, nameableAsSimilar, nameableForActivity, requireSelfOrAdmin, visibleItem, visibleItemRows, visibleItems, visibleUserRows, visibleUsers } from '../access';
import { isOffsetKey, mapEdges, readPage, toConnection, type Page } from '../pagination';
import { checkRecommendationFilter, normaliseTags } from '../validation';
import { shownFriendReasons, shownItemReasons } from './reasons';
import { recordRecommendation } from '../../metrics/registry';

// Ranked lists page by offset; the cursor also carries the list's recommendationId so every
// page of one list is attributed to it.
type RankKey = [number, string];
const isRankKey = (value: unknown): value is RankKey =>
  Array.isArray(value) && value.length === 2 && isOffsetKey(value[0]) && typeof value[1] === 'string';
const isOffset = isOffsetKey;

const MAX_MUTUAL_SHOWN = 3;

/**
 * Answers of `selects` per field node: the node belongs to a parsed document Apollo keeps and
 * reuses for every request of the same query, so the walk below runs once per query, not per
 * request. A field merged from several nodes is walked each time (rare).
 */
const selectsCache = new WeakMap<FieldNode, Map<string, boolean>>();

/** Does the query select `path` below this field (through fragments too)? Unselected work is skipped. */
function selects(info: GraphQLResolveInfo, ...path: string[]): boolean {
  if (info.fieldNodes.length !== 1) return walkSelects(info, path);
  let answers = selectsCache.get(info.fieldNodes[0]);
  if (!answers) selectsCache.set(info.fieldNodes[0], (answers = new Map()));
  const key = path.join('.');
  let answer = answers.get(key);
  if (answer === undefined) answers.set(key, (answer = walkSelects(info, path)));
  return answer;
}

function walkSelects(info: GraphQLResolveInfo, path: string[]): boolean {
  const within = (set: SelectionSetNode | undefined, rest: string[]): boolean =>
    !!set &&
    set.selections.some((selection) => {
      if (selection.kind === 'InlineFragment') return within(selection.selectionSet, rest);
      if (selection.kind === 'FragmentSpread') return within(info.fragments[selection.name.value]?.selectionSet, rest);
      return selection.name.value === rest[0] && (rest.length === 1 || within(selection.selectionSet, rest.slice(1)));
    });
  return info.fieldNodes.some((node: FieldNode) => within(node.selectionSet, path));
}

async function firstVisibleUsers(ctx: Context, ids: number[], max: number): Promise<User[]> {
  return (await visibleUsersInOrder(ctx, ids)).filter((user): user is User => user !== null).slice(0, max);
}

/** Keeps rows whose user the viewer may see, in order, with the user attached. */
async function withVisibleUser<T>(ctx: Context, rows: T[], idOf: (row: T) => number): Promise<(T & { user: User })[]> {
  const users = await visibleUsersInOrder(ctx, rows.map(idOf));
  return rows.flatMap((row, i) => (users[i] ? [{ ...row, user: users[i] as User }] : []));
}

async function visibleUsersInOrder(ctx: Context, ids: number[]): Promise<(User | null)[]> {
  return (await visibleUsers(ctx, ids)).map((user) => (user && !user.erasedAt ? user : null));
}

/** Resolves scored ids to visible items, keeping rank order; drops what the viewer may not see. */
async function scoredItems<T extends { score: number }>(ctx: Context, rows: (T & { id: number })[]) {
  const items = await visibleItems(ctx, rows.map((row) => row.id));
  return rows.flatMap((row, i) => (items[i] ? [{ ...row, item: items[i] as Item }] : []));
}

function offsetPage(ctx: Context, args: { first?: number | null; after?: string | null }): Page<number> {
  return readPage(args, ctx.config.maxPageSize, isOffset);
}

function rankedConnection<T>(rows: T[], page: Page<number>) {
  const start = page.after === null ? 0 : page.after + 1;
  const slice = rows.slice(start, start + page.limit + 1);
  return toConnection(
    slice.map((row, i) => ({ row, offset: start + i })),
    page,
    (entry) => entry.offset,
  );
}

export const recommendationResolvers: Resolvers = {
  // Resolved only when a client selects them: each costs loads.
  RecommendationReason: {
    users: async (reason, _, ctx) => nameableForActivity(ctx, await firstVisibleUsers(ctx, reason.userIds, 3)),
    item: async (reason, _, ctx) => (reason.itemId ? visibleItem(ctx, await loadOrNull(ctx.loaders.item, reason.itemId)) : null),
  },

  RecommendedItemEdge: { reasons: (edge, _, ctx) => shownItemReasons(ctx, edge.reasons) },
  FriendSuggestionEdge: { reasons: (edge) => shownFriendReasons(edge) },

  Query: {
    trendingItems: async (_, args, ctx) => {
      const page = offsetPage(ctx, args);
      const start = page.after === null ? 0 : page.after + 1;
      if (args.category != null && args.category.length > 60) throw badInput('`category` is too long', 'category');
      const rows = await ctx.recommender.trending(
        args.window ?? 'WEEK',
        args.category ?? null,
        start + page.limit + 1,
        await ctx.loaders.blockedWithViewer(),
      );
      return mapEdges(rankedConnection(await scoredItems(ctx, rows), page), ({ row }, cursor) => ({ cursor, node: row.item, score: row.score }));
    },
  },

  User: {
    recommendedItems: async (user, args, ctx, info) => {
      requireSelfOrAdmin(ctx, user.id);
      const page = readPage(args, ctx.config.maxPageSize, isRankKey);
      const start = page.after === null ? 0 : page.after[0] + 1;
      const filter = args.filter ?? {};
      checkRecommendationFilter(filter);
      const arm = ctx.online.assign('ITEMS', user.id);
      const result = await ctx.recommender.recommendItems({
        userId: user.id,
        limit: start + page.limit + 1,
        category: filter.category,
        tags: filter.tags ? normaliseTags(filter.tags) : null,
        excludeSeen: filter.excludeSeen ?? true,
        arm,
      });
      recordRecommendation('items', result.source);
      const recommendationId = page.after?.[1] ?? result.recommendationId;
      const items = await visibleItemRows(ctx, result.rows);
      // The page's visible entries with their offsets in the visible list (cursors keep them).
      const slice: { row: ServedItem; item: Item; offset: number }[] = [];
      for (let i = 0, offset = 0; i < items.length && slice.length <= page.limit; i++) {
        const item = items[i];
        if (!item) continue;
        if (offset >= start) slice.push({ row: result.items[i] as ServedItem, item, offset });
        offset++;
      }
      // Explaining costs about as much as ranking: only for the page served, only when asked.
      const reasons = selects(info, 'edges', 'reasons') ? result.explain(slice.map((entry) => entry.row)) : null;
      // An admin looking at someone's list is not that user seeing it: only the user's own views count.
      if (isSelf(ctx, user.id)) ctx.online.recordImpression({ recommendationId, viewerId: user.id, kind: 'ITEMS', surface: 'recommendedItems', versionId: result.versionId, choice: arm, shownIds: slice.slice(0, page.limit).map((entry) => entry.item.id), offset: start });
      const connection = toConnection(slice, { limit: page.limit, after: page.after }, (entry) => [entry.offset, recommendationId]);
      return {
        recommendationId,
        source: result.source,
        ...mapEdges(connection, (entry, cursor) => ({ cursor, node: entry.item, score: entry.row.score, reasons: reasons?.[entry.offset - start] ?? [] })),
      };
    },
    friendSuggestions: async (user, args, ctx) => {
      requireSelfOrAdmin(ctx, user.id);
      const page = offsetPage(ctx, args);
      const start = page.after === null ? 0 : page.after + 1;
      const arm = ctx.online.assign('FRIENDS', user.id);
      const result = await ctx.recommender.suggestFriends(user.id, start + page.limit + 1, arm);
      recordRecommendation('friends', result.source);
      // The recommender hands over the rows it checked the suggestions against: no loads here.
      const users = await visibleUserRows(ctx, result.rows);
      const connection = rankedConnection(
        result.suggestions.flatMap((s, i) => (users[i] ? [{ ...s, user: users[i] as User }] : [])),
        page,
      );
      if (isSelf(ctx, user.id)) ctx.online.recordImpression({ recommendationId: randomUUID(), viewerId: user.id, kind: 'FRIENDS', surface: 'friendSuggestions', versionId: result.versionId, choice: arm, shownIds: connection.edges.map((edge) => edge.node.row.user.id), offset: start });
      return {
        source: result.source,
        pageInfo: connection.pageInfo,
        edges: connection.edges.map((edge) => {
          // A function field: graphql-js calls it only when the query selects mutualFriends (or
          // reasons, which must not claim MUTUAL_FRIENDS the viewer cannot see); loaded once.
          let mutual: Promise<User[]> | null = null;
          const mutualFriends = () => (mutual ??= firstVisibleUsers(ctx, edge.node.row.mutualFriendIds, MAX_MUTUAL_SHOWN));
          return {
            cursor: edge.cursor,
            node: edge.node.row.user,
            score: edge.node.row.score,
            mutualFriendCount: edge.node.row.mutualFriendCount,
            mutualFriends: mutualFriends as unknown as User[],
            reasons: edge.node.row.reasons,
          };
        }),
      };
    },
    similarUsers: async (user, args, ctx) => {
      requireSelfOrAdmin(ctx, user.id);
      const page = offsetPage(ctx, args);
      const start = page.after === null ? 0 : page.after + 1;
      const rows = await ctx.recommender.similarUsers(user.id, start + page.limit + 1);
      const rankedRows = await nameableAsSimilar(ctx, await withVisibleUser(ctx, rows, (row) => row.id));
      return mapEdges(rankedConnection(rankedRows, page), ({ row }, cursor) => ({ cursor, node: row.user, score: row.score }));
    },
  },

  Item: {
    similarItems: async (item, args, ctx) => {
      const page = offsetPage(ctx, args);
      const start = page.after === null ? 0 : page.after + 1;
      const viewerId = ctx.viewer?.userId ?? null;
      const arm = viewerId === null ? null : ctx.online.assign('ITEMS', viewerId);
      const result = await ctx.recommender.similarItems(item.id, start + page.limit + 1, arm);
      const connection = rankedConnection(await scoredItems(ctx, result.items), page);
      // Anonymous views have no one to attribute actions to: not recorded.
      if (viewerId !== null) {
        const shownIds = connection.edges.map((edge) => edge.node.row.item.id);
        ctx.online.recordImpression({ recommendationId: randomUUID(), viewerId, kind: 'ITEMS', surface: 'similarItems', versionId: result.versionId, choice: arm, shownIds, offset: start });
      }
      return mapEdges(connection, ({ row }, cursor) => ({ cursor, node: row.item, score: row.score }));
    },
  },
};
