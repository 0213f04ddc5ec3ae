import type { FieldNode, GraphQLResolveInfo, SelectionSetNode } from 'graphql';
import { randomUUID } from 'node:crypto';
import type { Item, User } from '../../generated/prisma/client';
import type { Resolvers } from '../../generated/graphql';
import type { Context } from '../../context';
import type { ServedItem } from '../../recommender/serve/service';
import type { FriendSuggestion, ScoredId } from '../../recommender/types';
import { badInput } from '../../errors';
import { isSelf, loadOrNull, nameableAsSimilar, nameableForActivity, requireSelfOrAdmin, visibleItem, visibleItemRows, visibleItems, visibleUserRows, visibleUsers } from '../access';
import { connectionOf, isOffsetKey, readPage, type Page } from '../pagination';
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

// Rows below are built field by field, not as `{ ...row, user }`: on Node 20 a spread followed
// by more properties costs microseconds, per edge of every page.

/** The scored users the viewer may see, in rank order. */
async function scoredUsers(ctx: Context, rows: ScoredId[]): Promise<{ user: User; score: number }[]> {
  const users = await visibleUsersInOrder(ctx, rows.map((row) => row.id));
  const kept: { user: User; score: number }[] = [];
  rows.forEach((row, i) => {
    const user = users[i];
    if (user) kept.push({ user, score: row.score });
  });
  return kept;
}

async function visibleUsersInOrder(ctx: Context, ids: number[]): Promise<(User | null)[]> {
  return (await visibleUsers(ctx, ids)).map((user) => (user && !user.erasedAt ? user : null));
}

/** Resolves scored ids to visible items, keeping rank order; drops what the viewer may not see. */
async function scoredItems(ctx: Context, rows: ScoredId[]): Promise<{ item: Item; score: number }[]> {
  const items = await visibleItems(ctx, rows.map((row) => row.id));
  const kept: { item: Item; score: number }[] = [];
  rows.forEach((row, i) => {
    const item = items[i];
    if (item) kept.push({ item, score: row.score });
  });
  return kept;
}

function offsetPage(ctx: Context, args: { first?: number | null; after?: string | null }): Page<number> {
  return readPage(args, ctx.config.maxPageSize, isOffset);
}

/** The page of a ranked list that `page` asks for, cursors being offsets; each edge made by `edgeOf`. */
function rankedConnection<T, E>(rows: T[], page: Page<number>, edgeOf: (row: T, cursor: string) => E) {
  const start = page.after === null ? 0 : page.after + 1;
  return connectionOf(rows.slice(start, start + page.limit + 1), page, (_, i) => start + i, edgeOf);
}

const scoredItemEdge = (row: { item: Item; score: number }, cursor: string) => ({ cursor, node: row.item, score: row.score });

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
      return rankedConnection(await scoredItems(ctx, rows), page, scoredItemEdge);
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
      const { edges, pageInfo } = connectionOf(slice, page, (entry) => [entry.offset, recommendationId], (entry, cursor) => ({
        cursor,
        node: entry.item,
        score: entry.row.score,
        reasons: reasons?.[entry.offset - start] ?? [],
      }));
      return { recommendationId, source: result.source, edges, pageInfo };
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
      const visible: { suggestion: FriendSuggestion; user: User }[] = [];
      result.suggestions.forEach((suggestion, i) => {
        const row = users[i];
        if (row) visible.push({ suggestion, user: row });
      });
      const { edges, pageInfo } = rankedConnection(visible, page, ({ suggestion, user: node }, cursor) => {
        // A function field: graphql-js calls it only when the query selects mutualFriends (or
        // reasons, which must not claim MUTUAL_FRIENDS the viewer cannot see); loaded once.
        let mutual: Promise<User[]> | null = null;
        const mutualFriends = () => (mutual ??= firstVisibleUsers(ctx, suggestion.mutualFriendIds, MAX_MUTUAL_SHOWN));
        return {
          cursor,
          node,
          score: suggestion.score,
          mutualFriendCount: suggestion.mutualFriendCount,
          mutualFriends: mutualFriends as unknown as User[],
          reasons: suggestion.reasons,
        };
      });
      if (isSelf(ctx, user.id)) ctx.online.recordImpression({ recommendationId: randomUUID(), viewerId: user.id, kind: 'FRIENDS', surface: 'friendSuggestions', versionId: result.versionId, choice: arm, shownIds: edges.map((edge) => edge.node.id), offset: start });
      return { source: result.source, pageInfo, edges };
    },
    similarUsers: async (user, args, ctx) => {
      requireSelfOrAdmin(ctx, user.id);
      const page = offsetPage(ctx, args);
      const start = page.after === null ? 0 : page.after + 1;
      const rows = await ctx.recommender.similarUsers(user.id, start + page.limit + 1);
      const rankedRows = await nameableAsSimilar(ctx, await scoredUsers(ctx, rows));
      return rankedConnection(rankedRows, page, (row, cursor) => ({ cursor, node: row.user, score: row.score }));
    },
  },

  Item: {
    similarItems: async (item, args, ctx) => {
      const page = offsetPage(ctx, args);
      const start = page.after === null ? 0 : page.after + 1;
      const viewerId = ctx.viewer?.userId ?? null;
      const arm = viewerId === null ? null : ctx.online.assign('ITEMS', viewerId);
      const result = await ctx.recommender.similarItems(item.id, start + page.limit + 1, arm);
      const connection = rankedConnection(await scoredItems(ctx, result.items), page, scoredItemEdge);
      // Anonymous views have no one to attribute actions to: not recorded.
      if (viewerId !== null) {
        const shownIds = connection.edges.map((edge) => edge.node.id);
        ctx.online.recordImpression({ recommendationId: randomUUID(), viewerId, kind: 'ITEMS', surface: 'similarItems', versionId: result.versionId, choice: arm, shownIds, offset: start });
      }
      return connection;
    },
  },
};
