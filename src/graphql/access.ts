/**
 * Who may see and change what. Every resolver asks these; none decides on its own.
 * - Users erased or in a block relation with the viewer resolve to null (admins see all).
 * - A private user's follows and interactions: the user, their friends and admins.
 * - Hidden items: their author and admins. Items of blocked authors vanish.
 * - Recommendations name a user (similarUsers, reasons) only where that user's activity is
 *   visible: a private user is never revealed as similar, or as having engaged with an item,
 *   to someone who is not their friend (following them one way is not enough).
 */
import type { Item, User } from '../generated/prisma/client';
import type { Context } from '../context';
import { GraphQLError } from 'graphql';
import { ErrorCode, forbidden, unauthenticated } from '../errors';

export const isSelf = (ctx: Context, userId: number) => ctx.viewer?.userId === userId;
export const isAdmin = (ctx: Context) => ctx.viewer?.isAdmin === true;

export function requireViewer(ctx: Context): number {
  if (!ctx.viewer) throw unauthenticated();
  return ctx.viewer.userId;
}

export function requireAdmin(ctx: Context): void {
  requireViewer(ctx);
  if (!isAdmin(ctx)) throw forbidden('Admins only');
}

/** The user themself or an admin. */
export function requireSelfOrAdmin(ctx: Context, userId: number): void {
  requireViewer(ctx);
  if (!isSelf(ctx, userId) && !isAdmin(ctx)) throw forbidden('Only this user or an admin may do this');
}

/** Whether the viewer may see the user, or null when that depends on a block between them. */
function userVisibility(ctx: Context, user: User): boolean | null {
  if (isAdmin(ctx) || isSelf(ctx, user.id)) return true;
  if (user.erasedAt) return false;
  return null;
}

export async function canSeeUser(ctx: Context, user: User): Promise<boolean> {
  return userVisibility(ctx, user) ?? !(await ctx.loaders.blockedWithViewer()).has(user.id);
}

/** The users of `ids` the viewer may see, in order, null where there is none: `visibleItems` for users. */
export async function visibleUsers(ctx: Context, ids: readonly number[]): Promise<(User | null)[]> {
  return visibleUserRows(ctx, (await ctx.loaders.user.loadMany(ids)).map((row) => (row instanceof Error ? nullIfMissing(row) : row)));
}

/** `visibleUsers` for rows already at hand (the recommender's, for a page of suggestions). */
export async function visibleUserRows(ctx: Context, users: readonly (User | null)[]): Promise<(User | null)[]> {
  const visibility = users.map((user) => user && userVisibility(ctx, user));
  const blocked = users.some((user, i) => user && visibility[i] === null) ? await ctx.loaders.blockedWithViewer() : null;
  return users.map((user, i) => (user && (visibility[i] ?? !blocked?.has(user.id)) ? user : null));
}

export async function visibleUser(ctx: Context, user: User | null): Promise<User | null> {
  return user && (await canSeeUser(ctx, user)) ? user : null;
}

/** May the viewer see this user's follows, friends and interactions? */
export async function canSeeActivity(ctx: Context, user: User): Promise<boolean> {
  if (!(await canSeeUser(ctx, user))) return false;
  if (!user.isPrivate || isAdmin(ctx) || isSelf(ctx, user.id)) return true;
  if (!ctx.viewer) return false;
  const [follows, followed] = await Promise.all([
    ctx.loaders.viewerFollows.load(user.id),
    ctx.loaders.followsViewer.load(user.id),
  ]);
  return follows && followed;
}

export async function requireActivityVisible(ctx: Context, user: User): Promise<void> {
  if (!(await canSeeActivity(ctx, user))) throw forbidden('This account is private');
}

/** Users the viewer may be shown as similar to someone: visible, not erased, activity visible. */
export async function nameableAsSimilar<T extends { user: User }>(ctx: Context, rows: T[]): Promise<T[]> {
  const allowed = await Promise.all(rows.map((row) => !row.user.erasedAt && canSeeActivity(ctx, row.user)));
  return rows.filter((_, i) => allowed[i]);
}

/** Users a recommendation reason may name for what they did ("friends engaged"). */
export async function nameableForActivity(ctx: Context, users: User[]): Promise<User[]> {
  return (await nameableAsSimilar(ctx, users.map((user) => ({ user })))).map((row) => row.user);
}

/** Whether the viewer may see the item, or its author's id when that depends on a block between them. */
function itemVisibility(ctx: Context, item: Item): boolean | number {
  if (isAdmin(ctx)) return true;
  if (item.authorId !== null && isSelf(ctx, item.authorId)) return true;
  if (item.hidden) return false;
  return item.authorId ?? true;
}

export async function canSeeItem(ctx: Context, item: Item): Promise<boolean> {
  const visibility = itemVisibility(ctx, item);
  return typeof visibility === 'boolean' ? visibility : !(await ctx.loaders.blockedWithViewer()).has(visibility);
}

export async function visibleItem(ctx: Context, item: Item | null): Promise<Item | null> {
  return item && (await canSeeItem(ctx, item)) ? item : null;
}

/**
 * The items of `ids` the viewer may see, in order, null where there is no row or it is not
 * visible: the same rule as `visibleItem`, decided for a whole page with one batch load and at
 * most one look at the block set, instead of a chain of promises per item.
 */
export async function visibleItems(ctx: Context, ids: readonly number[]): Promise<(Item | null)[]> {
  return visibleItemRows(ctx, (await ctx.loaders.item.loadMany(ids)).map((row) => (row instanceof Error ? nullIfMissing(row) : row)));
}

/** `visibleItems` for rows already at hand (those a cached recommendation list was filtered with); undefined is no row. */
export async function visibleItemRows(ctx: Context, items: readonly (Item | null | undefined)[]): Promise<(Item | null)[]> {
  const visibility = items.map((item) => item && itemVisibility(ctx, item));
  const blocked = visibility.some((v) => typeof v === 'number') ? await ctx.loaders.blockedWithViewer() : null;
  return items.map((item, i) => {
    const v = visibility[i];
    return v === true || (typeof v === 'number' && !blocked?.has(v)) ? item! : null;
  });
}

function nullIfMissing(error: unknown): null {
  if (error instanceof GraphQLError && error.extensions.code === ErrorCode.NOT_FOUND) return null;
  throw error;
}

/** Loader lookup that yields null for a missing row; other failures still throw. */
export async function loadOrNull<K, V>(loader: { load(key: K): Promise<V> }, key: K): Promise<V | null> {
  try {
    return await loader.load(key);
  } catch (error) {
    return nullIfMissing(error);
  }
}
