/**
 * Which explanations a response may show. The models say why they ranked something; this is
 * the last word on whether that holds for this viewer, whatever a model produced:
 * - no reason with a weight of 0 (or not a finite number): it explains nothing;
 * - FRIENDS_ENGAGED names only users whose activity the viewer may see (access.ts), and is
 *   dropped when none is left: a private user's activity explains nothing to a non-friend;
 * - SIMILAR_TO_ITEM and FROM_FOLLOWED_AUTHOR only with an item or author the viewer may see;
 * - MUTUAL_FRIENDS only when there are mutual friends and the viewer may see at least one;
 * - the weights of what is left are shares again (they sum to 1).
 * An edge may end with no reasons at all; that is better than a reason that is not true.
 */
import type { User } from '../../generated/prisma/client';
import type { Context } from '../../context';
import type { FriendReasonKind, ItemReason } from '../../recommender/types';
import { canSeeActivity, loadOrNull, visibleItem, visibleUser } from '../access';

const explains = (weight: number) => Number.isFinite(weight) && weight > 0;

function asShares<T extends { weight: number }>(reasons: T[]): T[] {
  const total = reasons.reduce((sum, reason) => sum + reason.weight, 0);
  return reasons.map((reason) => ({ ...reason, weight: reason.weight / total }));
}

async function visibleActivityOf(ctx: Context, userIds: number[]): Promise<number[]> {
  const shown = await Promise.all(
    userIds.map(async (id) => {
      const user = await visibleUser(ctx, await loadOrNull(ctx.loaders.user, id));
      return user !== null && !user.erasedAt && (await canSeeActivity(ctx, user));
    }),
  );
  return userIds.filter((_, i) => shown[i]);
}

async function holdsForViewer(ctx: Context, reason: ItemReason): Promise<ItemReason | null> {
  switch (reason.kind) {
    case 'FRIENDS_ENGAGED': {
      const userIds = await visibleActivityOf(ctx, reason.userIds);
      return userIds.length > 0 ? { ...reason, userIds } : null;
    }
    case 'SIMILAR_TO_ITEM':
      return reason.itemId !== null && (await visibleItem(ctx, await loadOrNull(ctx.loaders.item, reason.itemId))) ? reason : null;
    case 'FROM_FOLLOWED_AUTHOR': {
      const authors = await Promise.all(reason.userIds.map(async (id) => visibleUser(ctx, await loadOrNull(ctx.loaders.user, id))));
      return authors.some((author) => author !== null) ? reason : null;
    }
    default:
      return reason;
  }
}

/** The reasons of one recommended item that hold for the viewer, as shares. */
export async function shownItemReasons(ctx: Context, reasons: ItemReason[]): Promise<ItemReason[]> {
  const checked = await Promise.all(reasons.filter((reason) => explains(reason.weight)).map((reason) => holdsForViewer(ctx, reason)));
  return asShares(checked.filter((reason): reason is ItemReason => reason !== null));
}

interface FriendSuggestionShown {
  mutualFriendCount: number;
  /** The mutual friends the viewer may see, as the edge shows them (loaded lazily by the resolver). */
  mutualFriends: User[] | (() => Promise<User[]>);
  reasons: { kind: FriendReasonKind; weight: number }[];
}

/** The reasons of one friend suggestion that hold for the viewer, as shares. */
export async function shownFriendReasons(edge: FriendSuggestionShown): Promise<{ kind: FriendReasonKind; weight: number }[]> {
  const shown = typeof edge.mutualFriends === 'function' ? await edge.mutualFriends() : edge.mutualFriends;
  const mutualShown = edge.mutualFriendCount > 0 && shown.length > 0;
  return asShares(edge.reasons.filter((reason) => explains(reason.weight) && (reason.kind !== 'MUTUAL_FRIENDS' || mutualShown)));
}
