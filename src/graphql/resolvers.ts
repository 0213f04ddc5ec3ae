/** All resolvers, merged by type from the domain folders. */
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import type { Resolvers } from '../generated/graphql';
import { adminResolvers } from './admin/resolvers';
import { experimentResolvers } from './experiments/resolvers';
import { interactionResolvers } from './interactions/resolvers';
import { itemResolvers } from './items/resolvers';
import { nodeResolvers } from './node';
import { recommendationResolvers } from './recommendations/resolvers';
import { socialResolvers } from './social/resolvers';
import { userResolvers } from './users/resolvers';
import { checkArguments } from './validation';

const domains: Resolvers[] = [
  nodeResolvers,
  userResolvers,
  socialResolvers,
  itemResolvers,
  interactionResolvers,
  recommendationResolvers,
  adminResolvers,
  experimentResolvers,
];

type FieldResolver = (parent: unknown, args: Record<string, unknown>, ctx: unknown, info: unknown) => unknown;

/** Every field's arguments pass the one validation layer before its resolver runs. */
function withCheckedArguments(resolve: FieldResolver): FieldResolver {
  return (parent, args, ctx, info) => {
    checkArguments(args);
    return resolve(parent, args, ctx, info);
  };
}

export function buildResolvers(): Resolvers {
  const merged: Record<string, Record<string, unknown>> = {};
  for (const domain of domains) {
    for (const [type, fields] of Object.entries(domain)) {
      const checked = Object.fromEntries(
        Object.entries(fields as Record<string, unknown>).map(([name, resolve]) => [
          name,
          typeof resolve === 'function' && !name.startsWith('__') ? withCheckedArguments(resolve as FieldResolver) : resolve,
        ]),
      );
      merged[type] = { ...merged[type], ...checked };
    }
  }
  return { ...(merged as Resolvers), DateTime: DateTimeResolver, JSON: JSONResolver };
}
