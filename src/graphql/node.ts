import type { Resolvers } from '../generated/graphql';
import { badInput } from '../errors';
import { canSeeActivity, loadOrNull, requireAdmin, visibleItem, visibleUser } from './access';
import { inKeyRange, parseGlobalId, type NodeType } from './ids';

/** Tags a row with its GraphQL type for Node.__resolveType. */
function asNode<T extends object>(row: T | null, type: NodeType): never {
  return (row ? { ...row, __typename: type } : null) as never;
}

export const nodeResolvers: Resolvers = {
  Node: {
    __resolveType: (node) => (node as unknown as { __typename: NodeType }).__typename,
  },
  Query: {
    node: async (_, args, ctx) => {
      const parsed = parseGlobalId(args.id);
      if (!parsed || !inKeyRange(parsed.type, parsed.id)) throw badInput(`"${args.id.slice(0, 100)}" is not a valid id`, 'id');
      const id = Number(parsed.id);
      switch (parsed.type) {
        case 'User':
          return asNode(await visibleUser(ctx, await loadOrNull(ctx.loaders.user, id)), 'User');
        case 'Item':
          return asNode(await visibleItem(ctx, await loadOrNull(ctx.loaders.item, id)), 'Item');
        case 'ModelVersion':
          requireAdmin(ctx);
          return asNode(await ctx.prisma.modelVersion.findUnique({ where: { id } }), 'ModelVersion');
        case 'TrainingRun':
          requireAdmin(ctx);
          return asNode(await ctx.prisma.trainingRun.findUnique({ where: { id } }), 'TrainingRun');
        case 'Interaction': {
          const interaction = await ctx.prisma.interaction.findUnique({ where: { id: BigInt(parsed.id) } });
          const owner = interaction && (await loadOrNull(ctx.loaders.user, interaction.userId));
          // An interaction is visible where its user's activity is.
          return asNode(owner && (await canSeeActivity(ctx, owner)) ? interaction : null, 'Interaction');
        }
        default:
          throw badInput(`"${args.id.slice(0, 100)}" is not a valid id`, 'id');
      }
    },
  },
};
