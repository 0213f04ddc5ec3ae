import type { Resolvers } from '../../generated/graphql';
import { userError } from '../../errors';
import { requireAdmin } from '../access';
import { fromGlobalId, toGlobalId } from '../ids';
import { isIdKey, readPage, toConnection } from '../pagination';

type Json = Record<string, unknown>;
const num = (value: unknown) => (typeof value === 'number' ? value : null);

export const adminResolvers: Resolvers = {
  Query: {
    modelStatus: async (_, __, ctx) => {
      requireAdmin(ctx);
      return ctx.recommender.status() as never;
    },
    modelVersions: async (_, args, ctx) => {
      requireAdmin(ctx);
      const page = readPage(args, ctx.config.maxPageSize, isIdKey);
      const rows = await ctx.prisma.modelVersion.findMany({
        where: { ...(args.kind ? { kind: args.kind } : {}), ...(page.after ? { id: { lt: page.after } } : {}) },
        omit: { artifact: true },
        orderBy: { id: 'desc' },
        take: page.limit + 1,
      });
      return toConnection(rows, page, (row) => row.id) as never;
    },
    trainingRuns: async (_, args, ctx) => {
      requireAdmin(ctx);
      const page = readPage(args, ctx.config.maxPageSize, isIdKey);
      const rows = await ctx.prisma.trainingRun.findMany({
        where: { ...(args.kind ? { kind: args.kind } : {}), ...(page.after ? { id: { lt: page.after } } : {}) },
        orderBy: { id: 'desc' },
        take: page.limit + 1,
      });
      return toConnection(rows, page, (row) => row.id);
    },
  },

  ModelVersion: {
    id: (version) => toGlobalId('ModelVersion', version.id),
    params: (version) => version.params,
    metrics: (version) => {
      const m = (version.metrics ?? {}) as Json;
      return {
        recallAt10: num(m.recallAt10),
        ndcgAt10: num(m.ndcgAt10),
        recallAt20: num(m.recallAt20),
        ndcgAt20: num(m.ndcgAt20),
        coverageAt10: num(m.coverageAt10),
        coverageAt20: num(m.coverageAt20),
        users: num(m.users),
      };
    },
    dataSizes: (version) => {
      const d = (version.dataSizes ?? {}) as Json;
      return { users: num(d.users) ?? 0, items: num(d.items) ?? 0, interactions: num(d.interactions) ?? 0, edges: num(d.edges) ?? 0 };
    },
  },

  TrainingRun: {
    id: (run) => toGlobalId('TrainingRun', run.id),
    durationMs: (run) => (run.finishedAt ? run.finishedAt.getTime() - run.startedAt.getTime() : null),
    version: (run, _, ctx) =>
      run.versionId ? (ctx.prisma.modelVersion.findUnique({ where: { id: run.versionId }, omit: { artifact: true } }) as never) : null,
  },

  Mutation: {
    retrainModel: async (_, args, ctx) => {
      requireAdmin(ctx);
      const started = await ctx.recommender.retrain(args.kind, 'MANUAL');
      if ('busy' in started) {
        return { run: null, userErrors: [userError('CONFLICT', `A ${args.kind} training run is already in progress`, ['kind'])] };
      }
      return { run: started.run, userErrors: [] };
    },
    activateModelVersion: async (_, args, ctx) => {
      requireAdmin(ctx);
      const id = fromGlobalId(args.id, 'ModelVersion');
      const result = await ctx.recommender.activate(id);
      if ('error' in result) return { version: null, userErrors: [userError(result.code, result.error, ['id'])] };
      return { version: result.version as never, userErrors: [] };
    },
  },
};
