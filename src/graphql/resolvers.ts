/** All resolvers, merged by type from the domain folders. */
import { Kind, parse } from 'graphql';
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

/** "Type.field" for every object field of the schema that declares arguments. */
function fieldsWithArguments(typeDefs: string): Set<string> {
  const names = new Set<string>();
  for (const definition of parse(typeDefs).definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    for (const field of definition.fields ?? []) {
      if (field.arguments?.length) names.add(`${definition.name.value}.${field.name.value}`);
    }
  }
  return names;
}

/**
 * The resolvers of `typeDefs`' schema. Only fields that take arguments are wrapped: a wrapper
 * on argument-less fields (an id on every node of a page) would check an empty object per field.
 */
export function buildResolvers(typeDefs: string): Resolvers {
  const withArguments = fieldsWithArguments(typeDefs);
  const merged: Record<string, Record<string, unknown>> = {};
  for (const domain of domains) {
    for (const [type, fields] of Object.entries(domain)) {
      const checked = Object.fromEntries(
        Object.entries(fields as Record<string, unknown>).map(([name, resolve]) => [
          name,
          typeof resolve === 'function' && withArguments.has(`${type}.${name}`) ? withCheckedArguments(resolve as FieldResolver) : resolve,
        ]),
      );
      merged[type] = { ...merged[type], ...checked };
    }
  }
  return { ...(merged as Resolvers), DateTime: DateTimeResolver, JSON: JSONResolver };
}
