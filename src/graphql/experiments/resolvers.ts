/** Admin-only experiments and online metrics. Every rule lives in src/online; this reads arguments and checks the viewer. */
import type { Resolvers } from '../../generated/graphql';
import type { Context } from '../../context';
import { badInput, userError } from '../../errors';
import {
  createExperiment,
  parseExperiment,
  recordPromotion,
  startExperiment,
  stopExperiment,
  type Arm,
  type ExperimentRecord,
  type ExperimentResult,
} from '../../online/experiments';
import { onlineMetrics } from '../../online/metrics';
import { experimentResults, type ExperimentResults } from '../../online/results';
import { requireAdmin, requireViewer } from '../access';
import { fromGlobalId, parseGlobalId } from '../ids';

// Experiments are not Nodes (node(id) is another domain's); their ids still look like the others.
const experimentGlobalId = (id: number) => Buffer.from(`Experiment:${id}`).toString('base64url');
function experimentId(globalId: string): number {
  const parsed = parseGlobalId(globalId);
  const id = parsed ? Number(parsed.id) : NaN;
  if (!parsed || parsed.type !== 'Experiment' || !Number.isSafeInteger(id) || id > 2147483647) {
    throw badInput(`"${globalId}" is not a valid Experiment id`, 'id');
  }
  return id;
}

function payload(result: ExperimentResult<ExperimentRecord>, field: string[]) {
  if ('error' in result) return { experiment: null, userErrors: [userError(result.code, result.error, field)] };
  return { experiment: result.ok as never, userErrors: [] };
}

async function findExperiment(ctx: Context, id: number): Promise<ExperimentRecord | null> {
  const row = await ctx.prisma.experiment.findUnique({ where: { id } });
  return row ? parseExperiment(row) : null;
}

const version = (ctx: Context, id: number | null) =>
  id === null ? null : (ctx.prisma.modelVersion.findUnique({ where: { id }, omit: { artifact: true } }) as never);

const asExperiment = (parent: unknown) => parent as ExperimentRecord;

export const experimentResolvers: Resolvers = {
  Query: {
    experiments: async (_, args, ctx) => {
      requireAdmin(ctx);
      const rows = await ctx.prisma.experiment.findMany({
        where: { ...(args.kind ? { kind: args.kind } : {}), ...(args.status ? { status: args.status } : {}) },
        orderBy: { id: 'desc' },
        take: 200,
      });
      return rows.map(parseExperiment) as never;
    },
    experiment: async (_, args, ctx) => {
      requireAdmin(ctx);
      return (await findExperiment(ctx, experimentId(args.id))) as never;
    },
  },

  ModelVersion: {
    onlineMetrics: async (version, args, ctx) => {
      requireAdmin(ctx);
      const [row] = await onlineMetrics(ctx.db, {
        kind: version.kind,
        from: args.range?.from ?? new Date(0),
        to: args.range?.to ?? new Date(Date.now() + 1),
        groupBy: 'version',
        versionId: version.id,
        attributionWindowMs: ctx.online.settings.attributionWindowMs,
        positiveRating: ctx.online.settings.positiveRating,
      });
      return row ?? { impressions: 0, shownIds: 0, engagedImpressions: 0, ctr: 0, ctrPerShownId: 0, positiveRate: 0, hideRate: 0, mrr: 0, distinctShown: 0, coverage: 0, exposedUsers: 0, engagedUsers: 0, hiddenUsers: 0 };
    },
  },

  Experiment: {
    id: (parent) => experimentGlobalId(asExperiment(parent).id),
    createdBy: (parent, _, ctx) => ctx.loaders.user.load(asExperiment(parent).createdById).catch(() => null) as never,
    winner: (parent, _, ctx) => version(ctx, asExperiment(parent).winnerVersionId),
    results: (parent, _, ctx) => experimentResults(ctx.db, asExperiment(parent), ctx.online.settings) as never,
    events: (parent, _, ctx) =>
      ctx.prisma.experimentEvent.findMany({ where: { experimentId: asExperiment(parent).id }, orderBy: { id: 'asc' } }) as never,
  },

  ExperimentArm: {
    version: (arm, _, ctx) => version(ctx, (arm as unknown as Arm).versionId),
  },

  ExperimentResults: {
    guardrailBreaches: (results) => (results as unknown as ExperimentResults).guardrailBreaches,
  },

  ExperimentEvent: {
    actor: (event, _, ctx) => {
      const actorId = (event as unknown as { actorId: number | null }).actorId;
      return actorId === null ? null : (ctx.loaders.user.load(actorId).catch(() => null) as never);
    },
  },

  Mutation: {
    createExperiment: async (_, { input }, ctx) => {
      requireAdmin(ctx);
      const result = await createExperiment(
        ctx.prisma,
        {
          name: input.name,
          kind: input.kind,
          treatments: input.treatments.map((t, i) => ({
            versionId: fromGlobalId(t.versionId, 'ModelVersion', `input.treatments.${i}.versionId`),
            share: t.share ?? 1,
          })),
          controlShare: input.controlShare ?? 1,
          audienceShare: input.audienceShare ?? 1,
          minImpressionsPerArm: input.minImpressionsPerArm ?? 300,
        },
        requireViewer(ctx),
      );
      return payload(result, ['input']);
    },
    startExperiment: async (_, args, ctx) => {
      requireAdmin(ctx);
      const result = await startExperiment(ctx.prisma, experimentId(args.id), requireViewer(ctx));
      // This process serves the arms at once; the others within EXPERIMENT_POLL_MS.
      await ctx.online.refresh();
      return payload(result, ['id']);
    },
    stopExperiment: async (_, args, ctx) => {
      requireAdmin(ctx);
      const result = await stopExperiment(ctx.prisma, experimentId(args.id), requireViewer(ctx), { reason: 'stopped by an admin' });
      await ctx.online.refresh();
      return payload(result, ['id']);
    },
    promoteExperimentWinner: async (_, args, ctx) => {
      requireAdmin(ctx);
      const experiment = await findExperiment(ctx, experimentId(args.id));
      if (!experiment) return payload({ error: 'No such experiment', code: 'NOT_FOUND' }, ['id']);
      const results = await experimentResults(ctx.db, experiment, ctx.online.settings);
      if (results.verdict !== 'TREATMENT_WINS' || !results.winner) {
        return payload({ error: `No treatment has won (verdict ${results.verdict})`, code: 'CONFLICT' }, ['id']);
      }
      // The same path as activateModelVersion: checks the artifact, retires the old, serves at once.
      const activated = await ctx.recommender.activate(results.winner.versionId);
      if ('error' in activated) return payload({ error: activated.error, code: activated.code === 'NOT_FOUND' ? 'NOT_FOUND' : 'INVALID' }, ['id']);
      const promoted = await recordPromotion(ctx.prisma, experiment.id, results.winner.versionId, requireViewer(ctx));
      await ctx.online.refresh();
      return payload({ ok: promoted }, ['id']);
    },
  },
};
