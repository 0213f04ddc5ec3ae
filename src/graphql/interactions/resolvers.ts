import type { InteractionInput, Resolvers } from '../../generated/graphql';
import type { Context } from '../../context';
import { forbidden, notFound, userError, type UserError } from '../../errors';
import { isAdmin, loadOrNull, requireViewer, visibleItem } from '../access';
import { fromGlobalId, toGlobalId } from '../ids';
import { LIMITS, text } from '../validation';

// Client clocks run a little fast; anything further ahead is a bug or a forgery.
const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

interface ValidInteraction {
  userId: number;
  itemId: number;
  type: InteractionInput['type'];
  value: number | null;
  createdAt: Date;
  recommendationId: string | null;
}

/** Checks one input; `path` prefixes field paths (["input", "3"] in a batch). */
async function validate(
  ctx: Context,
  input: InteractionInput,
  path: string[],
): Promise<{ ok: ValidInteraction } | { errors: UserError[] }> {
  const viewerId = requireViewer(ctx);
  const userId = input.userId != null ? fromGlobalId(input.userId, 'User', [...path, 'userId'].join('.')) : viewerId;
  if (userId !== viewerId && !isAdmin(ctx)) throw forbidden('Only admins record interactions for other users');
  const itemId = fromGlobalId(input.itemId, 'Item', [...path, 'itemId'].join('.'));
  const errors: UserError[] = [];
  const item = await visibleItem(ctx, await loadOrNull(ctx.loaders.item, itemId));
  if (!item) errors.push(userError('NOT_FOUND', 'No such item', [...path, 'itemId']));
  if (userId !== viewerId) {
    const user = await loadOrNull(ctx.loaders.user, userId);
    if (!user || user.erasedAt) errors.push(userError('NOT_FOUND', 'No such user', [...path, 'userId']));
  }
  const createdAt = input.occurredAt ?? new Date();
  if (Number.isNaN(createdAt.getTime()) || createdAt.getTime() > Date.now() + MAX_CLOCK_SKEW_MS) {
    errors.push(userError('INVALID', 'occurredAt may not be in the future', [...path, 'occurredAt']));
  }
  const recommendationError = text(input.recommendationId, [...path, 'recommendationId'], {
    min: 1,
    max: LIMITS.recommendationId.max,
  });
  if (recommendationError) errors.push(recommendationError);
  if (input.value != null && !(Math.abs(input.value) <= LIMITS.interactionValue.max)) {
    errors.push(userError('INVALID', `value must be between -${LIMITS.interactionValue.max} and ${LIMITS.interactionValue.max}`, [...path, 'value']));
  }
  if (errors.length) return { errors };
  return {
    ok: {
      userId,
      itemId,
      type: input.type,
      value: input.value ?? null,
      createdAt,
      recommendationId: input.recommendationId ?? null,
    },
  };
}

export const interactionResolvers: Resolvers = {
  Interaction: {
    id: (interaction) => toGlobalId('Interaction', interaction.id),
    user: async (interaction, _, ctx) => {
      const user = await loadOrNull(ctx.loaders.user, interaction.userId);
      if (!user) throw notFound('User');
      return user;
    },
    item: async (interaction, _, ctx) => visibleItem(ctx, await loadOrNull(ctx.loaders.item, interaction.itemId)),
  },

  Mutation: {
    recordInteraction: async (_, { input }, ctx) => {
      const checked = await validate(ctx, input, ['input']);
      if ('errors' in checked) return { interaction: null, userErrors: checked.errors };
      const interaction = await ctx.prisma.interaction.create({ data: checked.ok });
      ctx.recommender.forgetUser(checked.ok.userId);
      return { interaction, userErrors: [] };
    },
    recordInteractions: async (_, { input }, ctx) => {
      requireViewer(ctx);
      const max = ctx.config.maxBatchSize;
      if (input.length === 0) return { interactions: [], userErrors: [] };
      if (input.length > max) {
        return {
          interactions: [],
          userErrors: [userError('TOO_MANY', `At most ${max} interactions per batch, got ${input.length}`, ['input'])],
        };
      }
      const checked = await Promise.all(input.map((one, i) => validate(ctx, one, ['input', String(i)])));
      const userErrors = checked.flatMap((result) => ('errors' in result ? result.errors : []));
      if (userErrors.length) return { interactions: [], userErrors };
      const rows = checked.map((result) => (result as { ok: ValidInteraction }).ok);
      // One statement: all rows are written or none are.
      const interactions = await ctx.prisma.interaction.createManyAndReturn({ data: rows });
      ctx.recommender.forgetUser(...new Set(rows.map((row) => row.userId)));
      return { interactions, userErrors: [] };
    },
  },
};
