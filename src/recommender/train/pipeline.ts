/**
 * One training run from a snapshot to a finished, evaluated artifact: fixed split -> fit on
 * the training part and measure that on the validation part, where the active version's
 * stored metrics were measured -> the version that serves, fitted on everything. Pure
 * computation (no database), so it runs in the training process; worker.ts reads the
 * snapshot it starts from.
 */
import { packArtifact, checksumOf, type ModelKind } from '../artifact';
import { serializeFriendModel } from '../friends/artifact';
import { createFriendSuggester } from '../friends/suggest';
import { precomputeFriendLists } from './friends/precompute';
import { trainFriendModel, WARM_REFIT_EPOCHS } from './friends/trainer';
import { serialize as serializeItemModel } from '../items/artifact';
import { trainItemModel } from './items/trainer';
import { createTrainingPool } from './items/pool';
import { LoadedFriendModel } from '../serve/friends';
import { loadTf } from '../tf-backend';
import type { Snapshot, Watermark } from '../snapshot';
import { friendTrainingData, itemTrainingData, servingHistories } from '../model-inputs';
import { fixedFriendSplit, fixedItemSplit } from './data';
import { evaluateFriendModel, ITEM_MEASURE, type ValidationMetrics } from './evaluate';
import type { ItemModel } from '../items/model';

/** What a run starts from once its data is read. */
export interface PreparedJob {
  kind: ModelKind;
  snapshot: Snapshot;
  /** The active version's stored validation metrics: both kinds compare against these. */
  activeMetrics?: ValidationMetrics | null;
  params: Record<string, unknown>;
}

/**
 * What the server hands the training process. On Postgres the process reads the snapshot over
 * its own connection, so none of that work runs on the server's event loop; embedded PGlite
 * lives in the server's process and cannot be shared, so the caller reads it and sends it over.
 */
export interface TrainJob extends Omit<PreparedJob, 'snapshot'> {
  source: { databaseUrl: string } | { snapshot: Snapshot };
}

/** A run with nothing to learn from ends here, with the reason. */
export interface SkippedRun {
  skipped: string;
  watermark: Watermark;
}

export interface TrainResult {
  artifact: Uint8Array;
  checksum: string;
  metrics: ValidationMetrics;
  /** The active version's metrics on the same validation split (as stored); null without one. */
  activeMetrics: ValidationMetrics | null;
  activeError: string | null;
  backend: string;
  dataSizes: { users: number; items: number; interactions: number; edges: number };
  stageMs: Record<string, number>;
  /** What the snapshot saw. */
  watermark: Watermark;
}

export type Progress = (stage: string) => void;

/**
 * Neighbour lists are the bulk of an item model: cap their total so a large catalogue's
 * artifact and server memory stay bounded (Epinions, 296k items: 33 neighbours, ~120 MB).
 */
const NEIGHBOUR_ENTRIES_BUDGET = 10_000_000;

export function withNeighbourBudget(params: Record<string, unknown>, numItems: number): Record<string, unknown> {
  const k = Math.max(20, Math.min(200, Math.floor(NEIGHBOUR_ENTRIES_BUDGET / Math.max(1, numItems))));
  if (k >= 200) return params;
  const itemItem = (params.itemItem ?? {}) as Record<string, unknown>;
  return { itemKnnNeighbours: Math.floor(k / 2), ...params, itemItem: { neighbours: k, ...itemItem } };
}

export async function runTrainJob(job: PreparedJob, progress: Progress = () => {}): Promise<TrainResult> {
  const stageMs: Record<string, number> = {};
  const timed = async <T>(stage: string, run: () => T | Promise<T>): Promise<T> => {
    progress(stage);
    const start = Date.now();
    const out = await run();
    stageMs[stage] = Date.now() - start;
    return out;
  };
  // Inside a stage, for the run report: which of its parts cost the time.
  const addParts = (stage: string, parts: Record<string, number>) => {
    for (const [part, ms] of Object.entries(parts)) stageMs[`${stage}.${part}`] = ms;
  };
  const s = job.snapshot;
  const dataSizes = { users: s.userIds.length, items: s.itemIds.length, interactions: s.pairUsers.length, edges: s.followFrom.length };
  const { backend } = await loadTf();

  if (job.kind === 'ITEMS') {
    const split = await timed('split', () => fixedItemSplit(s));
    const params = withNeighbourBudget(job.params, s.itemIds.length);
    const pool = createTrainingPool();
    const run = async () => {
      // The settings are tuned on carve-outs of the training part; the ranker learns how the
      // sources fitted on the training part predict the fixed validation fifth; the version
      // that serves is fitted on every pair. The training part's sources, in the item-item
      // order, are what the version is measured by: the ranker learned on the fifth, so it is
      // judged by its own gate (trainer.ts), not on the fifth again. The measurement runs on
      // the pool while the ranker trains.
      let evaluating: Promise<ValidationMetrics> | null = null;
      const measure = (sources: ItemModel) => {
        const start = Date.now();
        evaluating = pool.evaluate(sources, s, split).then((m) => ((stageMs.evaluate = Date.now() - start), m));
        evaluating.catch(() => undefined);
      };
      const given = { fit: itemTrainingData(s, split.heldOut), validation: split.byUser };
      const trained = await timed('train', () => trainItemModel(itemTrainingData(s), params as never, { given, pool, onCarveOutSources: measure }));
      const metrics = await evaluating!;
      addParts('train', trained.report.millis);
      // Every user's list as serving would rank it from their state in this snapshot.
      const lists = await timed('lists', () => pool.lists(trained.model, [...servingHistories(s)]));
      return { model: trained.model, lists, metrics };
    };
    const { model, lists, metrics } = await run().finally(() => pool.close());
    const artifact = await timed('serialize', () =>
      packArtifact({ kind: 'ITEMS', userIds: s.userIds, itemIds: s.itemIds, model: serializeItemModel(model, lists) }),
    );
    // Versions measured by an earlier recipe are not comparable: none counts as active then.
    const activeMetrics = job.activeMetrics?.measure === ITEM_MEASURE ? job.activeMetrics : null;
    const activeError = job.activeMetrics && !activeMetrics ? 'the active version was measured by an earlier recipe' : null;
    return {
      artifact,
      checksum: checksumOf(artifact),
      metrics: { ...metrics, measure: ITEM_MEASURE },
      activeMetrics,
      activeError,
      backend,
      dataSizes,
      stageMs,
      watermark: s.watermark,
    };
  }

  const split = await timed('split', () => fixedFriendSplit(s));
  const graph = friendTrainingData(s, split.dropped);
  const measuredMillis: Record<string, number> = {};
  const measured = await timed('train', () => trainFriendModel(graph, job.params as never, measuredMillis));
  const metrics = await timed('evaluate', () => evaluateFriendModel(new LoadedFriendModel(measured, graph, s.userIds), s, split));
  // Features are counts on the graph, so a ranker fitted on the graph minus the validation
  // fifth meets denser neighbourhoods when it serves the whole one (ego-Facebook NDCG@10
  // 0.590 against 0.601, seed 17). The version that serves is refitted on every edge, so,
  // as for items, the active version is compared by its measured fit's stored metrics.
  const activeMetrics = job.activeMetrics ?? null;
  const full = friendTrainingData(s);
  // The refit continues from the measured fit's ranker for a few epochs (trainer.ts).
  const refitOptions = { ...job.params, warmStart: { ranker: measured.ranker, epochs: WARM_REFIT_EPOCHS } };
  const refitMillis: Record<string, number> = {};
  const model = await timed('refit', () => trainFriendModel(full, refitOptions as never, refitMillis));
  addParts('train', measuredMillis);
  addParts('refit', refitMillis);
  // Every user's list on the graph serving binds to, so serving filters instead of ranking.
  const lists = await timed('lists', () => precomputeFriendLists(createFriendSuggester(model, full), s.userIds));
  const artifact = await timed('serialize', () =>
    packArtifact({ kind: 'FRIENDS', userIds: s.userIds, itemIds: new Int32Array(0), model: serializeFriendModel(model, lists) }),
  );
  return { artifact, checksum: checksumOf(artifact), metrics, activeMetrics, activeError: null, backend, dataSizes, stageMs, watermark: s.watermark };
}
