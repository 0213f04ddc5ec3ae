/**
 * The retrain job: the only bridge between training and serving. It snapshots the database,
 * trains in a child process, stores the version, promotes it when it is not worse than the
 * active one on the same validation data, and records the run. A failure is recorded and
 * leaves the active version serving. With several processes on one Postgres database, an
 * advisory lock lets exactly one of them train a kind at a time; if the connection holding it
 * fails (restart, terminated backend) the run stops, stores nothing and is recorded FAILED, and
 * the process carries on. Runs a killed process left RUNNING are closed by the next lock holder.
 */
import type { Config } from '../config';
import type { Database } from '../db/client';
import type { TrainingRun } from '../generated/prisma/client';
import type { Logger } from '../logger';
import type { ModelKind } from '../recommender/artifact';
import { activateVersion, activeVersionSummary, pruneVersions, writeArtifact } from '../recommender/registry';
import { currentWatermark, sameWatermark, takeSnapshot, type Watermark } from '../recommender/snapshot';
import { isNotWorse, type ValidationMetrics } from '../recommender/train/evaluate';
import type { Progress, SkippedRun, TrainJob, TrainResult } from '../recommender/train/pipeline';
import { trainInWorker } from '../recommender/train/spawn';
import { recordTrainingRun } from '../metrics/registry';

export type Trigger = 'SCHEDULE' | 'MANUAL' | 'STARTUP' | 'CLI';

export interface RetrainDeps {
  config: Config;
  db: Database;
  logger: Logger;
  /** Called after a promotion so this process serves the new version at once. */
  onPromoted?: (kind: ModelKind) => Promise<void>;
  /** Where training runs; a child process (train/spawn.ts) unless a test substitutes a failing one. Stops when `signal` aborts. */
  train?: (job: TrainJob, progress: Progress, signal: AbortSignal) => Promise<TrainResult | SkippedRun>;
  progress?: Progress;
  /** Model parameters for this run (defaults: each model's own). */
  params?: Record<string, unknown>;
}

export type RetrainStart = { run: TrainingRun; done: Promise<TrainingRun> } | { busy: true };

export interface RetrainOptions {
  /**
   * The cron slot a scheduled run belongs to. Every process's scheduler fires on the same
   * slot; the first to take the lock runs it and the others record nothing.
   */
  slot?: { at: Date; toleranceMs: number };
}

/** Session advisory lock keys, one per kind (exported for fault tests that find the holder). */
export const LOCK_KEYS: Record<ModelKind, number> = { ITEMS: 0x7265_0001, FRIENDS: 0x7265_0002 };
const KINDS: readonly ModelKind[] = ['ITEMS', 'FRIENDS'];
const INTERRUPTED = 'interrupted: the process stopped during training';
/** Kinds training per database handle in this process; across processes the advisory lock decides. */
const running = new WeakMap<Database, Set<ModelKind>>();

/** Thrown into a run whose lock connection failed: another process may be training the kind now. */
class LockLostError extends Error {
  constructor(cause: Error) {
    super(`lost the training lock: the database connection holding it failed (${cause.message})`);
  }
}

/**
 * Exclusive right to train one kind. On Postgres a session advisory lock on its own
 * connection; in embedded mode the process owns the database, so holding it is a formality.
 */
interface TrainingLock {
  /** Aborted when the lock is lost (its connection failed); the reason is a LockLostError. */
  signal: AbortSignal;
  /** Throws a LockLostError unless the lock is verifiably still held (a round trip on its connection). */
  confirm(): Promise<void>;
  release(): Promise<void>;
}

const localLock = (): TrainingLock => ({ signal: new AbortController().signal, confirm: async () => {}, release: async () => {} });

async function takeLock(db: Database, kind: ModelKind): Promise<TrainingLock | null> {
  return db.kind === 'postgres' ? holdAdvisoryLock(db, LOCK_KEYS[kind]) : localLock();
}

/**
 * Starts a run unless one of this kind is already running (here or, on Postgres, in another
 * process). Resolves as soon as the run is recorded; `done` settles when it ends, never rejects.
 */
export async function startRetrain(deps: RetrainDeps, kind: ModelKind, trigger: Trigger, options: RetrainOptions = {}): Promise<RetrainStart> {
  const mine = running.get(deps.db) ?? new Set<ModelKind>();
  running.set(deps.db, mine);
  if (mine.has(kind)) return { busy: true };
  mine.add(kind);
  let lock: TrainingLock | null = null;
  try {
    lock = await takeLock(deps.db, kind);
    if (!lock) {
      mine.delete(kind);
      return { busy: true };
    }
    // Holding the lock means no other process is training this kind: RUNNING rows are leftovers.
    await closeLeftovers(deps.db, kind);
    if (options.slot && (await slotAlreadyRun(deps.db, kind, options.slot))) {
      mine.delete(kind);
      await lock.release();
      return { busy: true };
    }
    const run = await deps.db.prisma.trainingRun.create({ data: { kind, trigger } });
    const held = lock;
    const done = execute(deps, run, held).then(recordTrainingRun).finally(async () => {
      mine.delete(kind);
      await held.release();
    });
    return { run, done };
  } catch (error) {
    mine.delete(kind);
    await lock?.release();
    throw error;
  }
}

/**
 * Closes runs left RUNNING by a process that died (kill -9, power loss) for every kind no
 * process is training now: on Postgres, those whose lock is free. Called at startup; a run
 * start does the same for its own kind. `pending` lists kinds with RUNNING runs whose lock is
 * held: a live run elsewhere, or a killed process whose connection Postgres has not yet
 * noticed is gone (it does within seconds), so callers check those again a little later.
 */
export async function closeInterruptedRuns(db: Database): Promise<{ closed: number; pending: ModelKind[] }> {
  const mine = running.get(db);
  let closed = 0;
  const pending: ModelKind[] = [];
  for (const kind of KINDS) {
    if (mine?.has(kind)) continue;
    if ((await db.prisma.trainingRun.count({ where: { kind, state: 'RUNNING' } })) === 0) continue;
    const lock = await takeLock(db, kind);
    if (!lock) {
      pending.push(kind);
      continue;
    }
    try {
      closed += await closeLeftovers(db, kind);
    } finally {
      await lock.release();
    }
  }
  return { closed, pending };
}

/** Only while holding the kind's lock. */
async function closeLeftovers(db: Database, kind: ModelKind): Promise<number> {
  const { count } = await db.prisma.trainingRun.updateMany({
    where: { kind, state: 'RUNNING' },
    data: { state: 'FAILED', outcome: 'FAILED', error: INTERRUPTED, finishedAt: new Date() },
  });
  return count;
}

/** Only while holding the kind's lock: another process already recorded a run for this slot. */
async function slotAlreadyRun(db: Database, kind: ModelKind, slot: NonNullable<RetrainOptions['slot']>): Promise<boolean> {
  const since = new Date(slot.at.getTime() - slot.toleranceMs);
  return (await db.prisma.trainingRun.count({ where: { kind, trigger: 'SCHEDULE', startedAt: { gte: since } } })) > 0;
}

/**
 * A session advisory lock on a dedicated connection, held until released. Postgres drops the
 * lock when that connection dies, so its failure aborts `signal`: the run must stop, since
 * another process is free to start the same kind.
 */
async function holdAdvisoryLock(db: Database, lockKey: number): Promise<TrainingLock | null> {
  let releaseSession!: () => void;
  const released = new Promise<void>((resolve) => (releaseSession = resolve));
  let acquired!: (ok: boolean) => void;
  const gotLock = new Promise<boolean>((resolve) => (acquired = resolve));
  const lost = new AbortController();
  let ping: (() => Promise<void>) | null = null;
  const sessionDone = db
    .withSession(async (session) => {
      const [row] = await session.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [lockKey]);
      acquired(row.ok);
      if (!row.ok) return;
      void session.broken.then((error) => lost.abort(new LockLostError(error)));
      ping = async () => void (await session.query('SELECT 1'));
      const end = await Promise.race([released.then(() => 'released' as const), session.broken.then(() => 'broken' as const)]);
      // A broken connection took the lock with it; there is nothing to unlock.
      if (end === 'released') await session.query('SELECT pg_advisory_unlock($1)', [lockKey]);
    })
    .catch(() => acquired(false));
  if (!(await gotLock)) {
    await sessionDone;
    return null;
  }
  return {
    signal: lost.signal,
    async confirm() {
      lost.signal.throwIfAborted();
      try {
        await ping!();
      } catch (error) {
        // The 'error' event may trail the failed query; either way the lock is gone.
        if (!lost.signal.aborted) lost.abort(new LockLostError(error as Error));
      }
      lost.signal.throwIfAborted();
    },
    async release() {
      releaseSession();
      await sessionDone;
    },
  };
}

/** Settles with `work`, or rejects with the abort reason as soon as `signal` aborts. */
function unlessAborted<T>(signal: AbortSignal, work: Promise<T>): Promise<T> {
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

async function execute(deps: RetrainDeps, run: TrainingRun, lock: TrainingLock): Promise<TrainingRun> {
  const { db, logger } = deps;
  const prisma = db.prisma;
  const kind = run.kind as ModelKind;
  const log = logger.child({ runId: run.id, kind });
  const finish = (data: Partial<TrainingRun>) =>
    prisma.trainingRun.update({ where: { id: run.id }, data: { finishedAt: new Date(), ...data } });
  // Every step gives up as soon as the lock is lost; nothing is written without the lock.
  const guarded = <T>(work: Promise<T>) => unlessAborted(lock.signal, work);
  try {
    const active = await guarded(activeVersionSummary(prisma, kind));
    if (run.trigger === 'SCHEDULE' && active && sameWatermark(active.dataWatermark as unknown as Watermark, await guarded(currentWatermark(db)))) {
      log.info('no new behaviour since the active version: skipped');
      return await finish({ state: 'SUCCEEDED', outcome: 'SKIPPED' });
    }
    const started = Date.now();
    // On Postgres the training process reads the snapshot itself: the server's event loop only
    // hands over the job. PGlite cannot be shared with another process.
    const source: TrainJob['source'] = db.url ? { databaseUrl: db.url } : { snapshot: await guarded(takeSnapshot(db)) };
    const params = deps.params ?? {};
    const train = deps.train ?? trainInWorker;
    const result = await guarded(
      train(
        { kind, source, params, activeMetrics: storedMetrics(active?.metrics) },
        (stage) => {
          log.info({ stage }, 'training');
          deps.progress?.(stage);
        },
        lock.signal,
      ),
    );
    if ('skipped' in result) {
      log.info({ reason: result.skipped }, 'nothing to train on: skipped');
      return await finish({ state: 'SUCCEEDED', outcome: 'SKIPPED', error: result.skipped });
    }
    await lock.confirm();
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
        dataWatermark: result.watermark as never,
      },
      omit: { artifact: true },
    });
    await writeArtifact(db, version.id, result.artifact);
    // The server loads the version from Postgres: holding the bytes from the training process
    // too kept a third copy of the artifact (beside the old and the new model) through the swap.
    result.artifact = new Uint8Array(0);
    if (promote) {
      await lock.confirm();
      await activateVersion(prisma, version.id);
      await deps.onPromoted?.(kind);
    }
    await pruneVersions(prisma, kind, deps.config.keepModelVersions);
    log.info({ versionId: version.id, metrics: result.metrics, active: result.activeMetrics, promoted: promote }, 'training finished');
    return await finish({ state: 'SUCCEEDED', outcome: promote ? 'PROMOTED' : 'NOT_PROMOTED', versionId: version.id });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log.error({ err: error }, 'training failed; the active version keeps serving');
    return recordFailure(() => finish({ state: 'FAILED', outcome: 'FAILED', error: message.slice(0, 4000) }), run, log);
  }
}

/** Backoff between attempts to record a failed run: the cause is often a database outage. */
const RECORD_RETRY_MS = [250, 1000, 2000, 4000, 8000];

/**
 * Records the failure, retrying while the database is unreachable (a restart takes seconds).
 * If it never answers, the run stays RUNNING until the next process to take the kind's lock
 * closes it as interrupted. Never rejects.
 */
async function recordFailure(record: () => Promise<TrainingRun>, run: TrainingRun, log: Logger): Promise<TrainingRun> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await record();
    } catch (error) {
      if (attempt >= RECORD_RETRY_MS.length) {
        log.error({ err: error }, 'could not record the failed run; it is closed as interrupted by the next run of its kind');
        return { ...run, state: 'FAILED', outcome: 'FAILED' };
      }
      await new Promise((resolve) => setTimeout(resolve, RECORD_RETRY_MS[attempt]));
    }
  }
}

/** The measured metrics stored with a version (without the comparison stored next to them). */
function storedMetrics(metrics: unknown): ValidationMetrics | null {
  if (!metrics || typeof metrics !== 'object' || typeof (metrics as ValidationMetrics).ndcgAt10 !== 'number') return null;
  const { active: _active, activeError: _error, ...own } = metrics as ValidationMetrics & { active?: unknown; activeError?: unknown };
  return own;
}
