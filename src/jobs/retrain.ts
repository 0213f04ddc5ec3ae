/**
 * The retrain job: the only bridge between training and serving. It snapshots the database,
 * trains in a worker thread, stores the version, promotes it when it is not worse than the
 * active one on the same validation data, and records the run. A failure is recorded and
 * leaves the active version serving. With several processes on one Postgres database, an
 * advisory lock lets exactly one of them train a kind at a time.
 */
import type { Config } from '../config';
import type { Database } from '../db/client';
import type { TrainingRun } from '../generated/prisma/client';
import type { Logger } from '../logger';
import type { ModelKind } from '../recommender/artifact';
import { activateVersion, activeVersionSummary, pruneVersions, readArtifact, writeArtifact } from '../recommender/registry';
import { currentWatermark, sameWatermark, takeSnapshot, type Watermark } from '../recommender/snapshot';
import { untrainable } from '../recommender/train/data';
import { isNotWorse, type ValidationMetrics } from '../recommender/train/evaluate';
import type { Progress, TrainJob, TrainResult } from '../recommender/train/pipeline';
import { trainInWorker } from '../recommender/train/spawn';
import { recordTrainingRun } from '../metrics/registry';

export type Trigger = 'SCHEDULE' | 'MANUAL' | 'STARTUP' | 'CLI';

export interface RetrainDeps {
  config: Config;
  db: Database;
  logger: Logger;
  /** Called after a promotion so this process serves the new version at once. */
  onPromoted?: (kind: ModelKind) => Promise<void>;
  /** Where training runs; a worker thread unless a test substitutes a failing one. */
  train?: (job: TrainJob, progress: Progress) => Promise<TrainResult>;
  progress?: Progress;
  /** Model parameters for this run (defaults: each model's own). */
  params?: Record<string, unknown>;
}

export type RetrainStart = { run: TrainingRun; done: Promise<TrainingRun> } | { busy: true };

const LOCK_KEYS: Record<ModelKind, number> = { ITEMS: 0x7265_0001, FRIENDS: 0x7265_0002 };
/** Kinds training per database handle in this process; across processes the advisory lock decides. */
const running = new WeakMap<Database, Set<ModelKind>>();

/**
 * Starts a run unless one of this kind is already running (here or, on Postgres, in another
 * process). Resolves as soon as the run is recorded; `done` settles when it ends, never rejects.
 */
export async function startRetrain(deps: RetrainDeps, kind: ModelKind, trigger: Trigger): Promise<RetrainStart> {
  const mine = running.get(deps.db) ?? new Set<ModelKind>();
  running.set(deps.db, mine);
  if (mine.has(kind)) return { busy: true };
  mine.add(kind);
  let release = async () => {};
  try {
    if (deps.db.kind === 'postgres') {
      const lock = await holdAdvisoryLock(deps.db, LOCK_KEYS[kind]);
      if (!lock) {
        mine.delete(kind);
        return { busy: true };
      }
      release = lock;
    }
    // Holding the lock means no other process is training this kind: RUNNING rows are leftovers.
    await deps.db.prisma.trainingRun.updateMany({
      where: { kind, state: 'RUNNING' },
      data: { state: 'FAILED', outcome: 'FAILED', error: 'interrupted: the process stopped during training', finishedAt: new Date() },
    });
    const run = await deps.db.prisma.trainingRun.create({ data: { kind, trigger } });
    const done = execute(deps, run).then(recordTrainingRun).finally(async () => {
      mine.delete(kind);
      await release();
    });
    return { run, done };
  } catch (error) {
    mine.delete(kind);
    await release();
    throw error;
  }
}

/** A session advisory lock on a dedicated connection, held until the returned release runs. */
async function holdAdvisoryLock(db: Database, lockKey: number): Promise<(() => Promise<void>) | null> {
  let releaseSession!: () => void;
  let acquired!: (ok: boolean) => void;
  const gotLock = new Promise<boolean>((resolve) => (acquired = resolve));
  const sessionDone = db
    .withSession(async (session) => {
      const [row] = await session.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [lockKey]);
      acquired(row.ok);
      if (!row.ok) return;
      await new Promise<void>((resolve) => (releaseSession = resolve));
      await session.query('SELECT pg_advisory_unlock($1)', [lockKey]);
    })
    .catch(() => acquired(false));
  if (!(await gotLock)) {
    await sessionDone;
    return null;
  }
  return async () => {
    releaseSession();
    await sessionDone;
  };
}

async function execute(deps: RetrainDeps, run: TrainingRun): Promise<TrainingRun> {
  const { db, logger } = deps;
  const prisma = db.prisma;
  const kind = run.kind as ModelKind;
  const log = logger.child({ runId: run.id, kind });
  const finish = (data: Partial<TrainingRun>) =>
    prisma.trainingRun.update({ where: { id: run.id }, data: { finishedAt: new Date(), ...data } });
  try {
    const active = await activeVersionSummary(prisma, kind);
    if (run.trigger === 'SCHEDULE' && active && sameWatermark(active.dataWatermark as unknown as Watermark, await currentWatermark(db))) {
      log.info('no new behaviour since the active version: skipped');
      return await finish({ state: 'SUCCEEDED', outcome: 'SKIPPED' });
    }
    const started = Date.now();
    deps.progress?.('snapshot');
    const snapshot = await takeSnapshot(db);
    const cannot = untrainable(kind, snapshot);
    if (cannot) {
      log.info({ reason: cannot }, 'nothing to train on: skipped');
      return await finish({ state: 'SUCCEEDED', outcome: 'SKIPPED', error: cannot });
    }
    const activeArtifact = active ? await readArtifact(db, active.id) : null;
    const params = deps.params ?? {};
    const train = deps.train ?? trainInWorker;
    const result = await train(
      {
        kind,
        snapshot,
        params,
        active: activeArtifact,
        activeMetrics: storedMetrics(active?.metrics),
      },
      (stage) => {
        log.info({ stage }, 'training');
        deps.progress?.(stage);
      },
    );
    const promote = isNotWorse(result.metrics, result.activeMetrics);
    const version = await prisma.modelVersion.create({
      data: {
        kind,
        status: promote ? 'CANDIDATE' : 'REJECTED',
        params: { ...params, stageMs: result.stageMs },
        dataSizes: result.dataSizes,
        metrics: { ...result.metrics, active: result.activeMetrics, activeError: result.activeError } as never,
        backend: result.backend,
        trainingMs: Date.now() - started,
        artifact: Buffer.alloc(0),
        artifactBytes: result.artifact.length,
        checksum: result.checksum,
        dataWatermark: snapshot.watermark as never,
      },
      omit: { artifact: true },
    });
    await writeArtifact(db, version.id, result.artifact);
    if (promote) {
      await activateVersion(prisma, version.id);
      await deps.onPromoted?.(kind);
    }
    await pruneVersions(prisma, kind, deps.config.keepModelVersions);
    log.info({ versionId: version.id, metrics: result.metrics, active: result.activeMetrics, promoted: promote }, 'training finished');
    return await finish({ state: 'SUCCEEDED', outcome: promote ? 'PROMOTED' : 'NOT_PROMOTED', versionId: version.id });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log.error({ err: error }, 'training failed; the active version keeps serving');
    return finish({ state: 'FAILED', outcome: 'FAILED', error: message.slice(0, 4000) }).catch(() => run);
  }
}

/** The measured metrics stored with a version (without the comparison stored next to them). */
function storedMetrics(metrics: unknown): ValidationMetrics | null {
  if (!metrics || typeof metrics !== 'object' || typeof (metrics as ValidationMetrics).ndcgAt10 !== 'number') return null;
  const { active: _active, activeError: _error, ...own } = metrics as ValidationMetrics & { active?: unknown; activeError?: unknown };
  return own;
}
