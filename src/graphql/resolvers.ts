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

export function buildResolvers(): Resolvers {
  const merged: Record<string, Record<string, unknown>> = {};
  for (const domain of domains) {
    for (const [type, fields] of Object.entries(domain)) {
      merged[type] = { ...merged[type], ...(fields as Record<string, unknown>) };
    }
  }
  return { ...(merged as Resolvers), DateTime: DateTimeResolver, JSON: JSONResolver };
}
