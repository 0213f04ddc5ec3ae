/**
 * One training run from a snapshot to a finished, evaluated artifact: fixed split -> train on
 * the training part -> evaluate the candidate and the active version on the same validation
 * part. Pure computation (no database), so it runs in the training process; worker.ts reads the
 * snapshot it starts from.
 */
import { packArtifact, checksumOf, unpackArtifact, type ModelKind } from '../artifact';
import { deserializeFriendModel, serializeFriendModel } from '../friends/artifact';
import { trainFriendModel } from './friends/trainer';
import { serialize as serializeItemModel } from '../items/artifact';
import { trainItemModel } from './items/trainer';
import { LoadedFriendModel } from '../serve/friends';
import { LoadedItemModel } from '../serve/items';
import { loadTf } from '../tf-backend';
import type { Snapshot, Watermark } from '../snapshot';
import { friendTrainingData, itemTrainingData, servingHistories } from '../model-inputs';
import { fixedFriendSplit, fixedItemSplit } from './data';
import { evaluateFriendModel, evaluateItemModel, type ValidationMetrics } from './evaluate';

export interface StoredArtifact {
  artifact: Uint8Array;
  checksum: string;
}

/** What a run starts from once its data is read. */
export interface PreparedJob {
  kind: ModelKind;
  snapshot: Snapshot;
  active: StoredArtifact | null;
  /** The active version's stored validation metrics (ITEMS compares against these). */
  activeMetrics?: ValidationMetrics | null;
  params: Record<string, unknown>;
}

/**
 * What the server hands the worker. On Postgres the worker reads the snapshot and the active
 * artifact over its own connection, so none of that work runs on the server's event loop;
 * embedded PGlite lives in the server's thread and cannot be shared, so the caller reads them
 * and moves them over.
 */
export interface TrainJob extends Omit<PreparedJob, 'snapshot' | 'active'> {
  source: { databaseUrl: string; activeVersionId: number | null } | { snapshot: Snapshot; active: StoredArtifact | null };
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
  /** The active version measured on the same validation data; null without one (or unreadable). */
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
  const s = job.snapshot;
  const dataSizes = { users: s.userIds.length, items: s.itemIds.length, interactions: s.pairUsers.length, edges: s.followFrom.length };
  const { backend } = await loadTf();
  let activeError: string | null = null;
  const readActive = <T>(load: (model: Uint8Array, userIds: Int32Array, itemIds: Int32Array) => T): T | null => {
    if (!job.active) return null;
    try {
      const unpacked = unpackArtifact(job.active.artifact, job.active.checksum);
      return load(unpacked.model, unpacked.userIds, unpacked.itemIds);
    } catch (error) {
      activeError = error instanceof Error ? error.message : String(error);
      return null;
    }
  };

  if (job.kind === 'ITEMS') {
    const split = await timed('split', () => fixedItemSplit(s));
    const data = itemTrainingData(s, split.heldOut);
    const params = withNeighbourBudget(job.params, s.itemIds.length);
    const measured = await timed('train', () => trainItemModel(data, params as never));
    const metrics = await timed('evaluate', () => evaluateItemModel(new LoadedItemModel(measured.model, s.userIds, s.itemIds), s, split));
    // The validation fifth only measures the recipe. The version that serves is trained the same
    // way on every pair (its ranker on its own carve-out), reusing the settings tuned above.
    const refit = await timed('refit', () => trainItemModel(itemTrainingData(s), { ...measured.report.config, tune: false }));
    const { model } = refit;
    // Inside each fit, for the run report: which of its parts cost the time.
    for (const [name, fit] of [['train', measured], ['refit', refit]] as const) {
      for (const [part, ms] of Object.entries(fit.report.millis)) stageMs[`${name}.${part}`] = ms;
    }
    // Every user's list as serving would rank it from their state in this snapshot.
    const lists = await timed('lists', () => LoadedItemModel.precompute(model, servingHistories(s)));
    const artifact = await timed('serialize', () =>
      packArtifact({ kind: 'ITEMS', userIds: s.userIds, itemIds: s.itemIds, model: serializeItemModel(model, lists) }),
    );
    // A served version has seen the validation pairs, so it is compared by the metrics its
    // own measured fit had on the same (hash-fixed) split, not scored on them again.
    const activeMetrics = job.activeMetrics ?? null;
    return { artifact, checksum: checksumOf(artifact), metrics, activeMetrics, activeError, backend, dataSizes, stageMs, watermark: s.watermark };
  }

  const split = await timed('split', () => fixedFriendSplit(s));
  const graph = friendTrainingData(s, split.dropped);
  const model = await timed('train', () => trainFriendModel(graph, job.params as never));
  const artifact = await timed('serialize', () =>
    packArtifact({ kind: 'FRIENDS', userIds: s.userIds, itemIds: new Int32Array(0), model: serializeFriendModel(model) }),
  );
  const metrics = await timed('evaluate', () => evaluateFriendModel(new LoadedFriendModel(model, graph, s.userIds), s, split));
  // The active ranker is scored on the same training graph: only the weights differ.
  const active = readActive((bytes) => new LoadedFriendModel(deserializeFriendModel(bytes), graph, s.userIds));
  const activeMetrics = active ? await timed('evaluateActive', () => evaluateFriendModel(active, s, split)) : null;
  return { artifact, checksum: checksumOf(artifact), metrics, activeMetrics, activeError, backend, dataSizes, stageMs, watermark: s.watermark };
}
