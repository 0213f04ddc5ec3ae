/**
 * Online evaluation as the rest of the server sees it: sticky experiment assignment, the
 * impression recorder, the extra model versions experiments need, the guardrail and the
 * retention prune. Everything a request touches (`assign`, `recordImpression`) is in
 * memory; the database is read by timers only.
 */
import type { Database } from '../db/client';
import type { Logger } from '../logger';
import type { ModelKind } from '../recommender/artifact';
import type { Serving } from '../recommender/serve/active-models';
import { ArmModels, type ReadyModel } from './arm-models';
import { armFor, inAudience } from './assignment';
import { runningExperiments, stopArm, type ExperimentRecord } from './experiments';
import { ImpressionRecorder, type ImpressionRow } from './recorder';
import { experimentResults } from './results';
import type { OnlineSettings } from './settings';

/** Which arm of which running experiment serves a user; null when the user is in none. */
export interface ArmChoice {
  experimentId: number;
  arm: string;
  versionId: number;
  /** Null when the arm's version is the active one (ActiveModels already holds it). */
  serving: ReadyModel | null;
}

export interface ImpressionInput {
  recommendationId: string;
  viewerId: number;
  kind: ModelKind;
  surface: ImpressionRow['surface'];
  /** The version that actually served the list; null for a fallback. */
  versionId: number | null;
  choice: ArmChoice | null;
  shownIds: number[];
  offset: number;
}

/**
 * What the recommender serves for a request: the arm's version when the user is in an arm
 * whose version is not the active one, else the active version.
 */
export function servingFor<T>(active: Serving<T>, choice: ArmChoice | null | undefined): Serving<T> {
  if (!choice || (active.phase === 'ready' && active.version.id === choice.versionId)) return active;
  // assign(kind) only hands out arms of that kind's experiment, so the model is a T.
  return (choice.serving as Serving<T> | null) ?? active;
}

/** How often the guardrail is evaluated (it runs the metrics query per running experiment). */
const GUARDRAIL_EVERY_MS = 60_000;

export class OnlineEvaluation {
  readonly recorder: ImpressionRecorder;
  private readonly arms: ArmModels;
  private running = new Map<ModelKind, ExperimentRecord>();
  private activeIds = new Map<ModelKind, number>();
  private timers: NodeJS.Timeout[] = [];
  private refreshing: Promise<void> | null = null;
  private guardrailAt = 0;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    readonly settings: OnlineSettings,
  ) {
    this.recorder = new ImpressionRecorder(db, logger, {
      flushMs: settings.impressionFlushMs,
      batchRows: settings.impressionBatchRows,
      maxBuffered: settings.impressionBufferMax,
    });
    this.arms = new ArmModels(db, logger);
  }

  async start(): Promise<void> {
    this.recorder.start();
    await this.refresh();
    const every = (ms: number, fn: () => Promise<unknown>) => {
      const timer = setInterval(() => void fn(), ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(this.settings.experimentPollMs, () => this.refresh());
    every(this.settings.pruneEveryMs, () => this.prune());
  }

  /** Stops the timers and flushes every buffered impression. */
  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await this.refreshing;
    await this.recorder.stop();
  }

  assign(kind: ModelKind, userId: number): ArmChoice | null {
    const experiment = this.running.get(kind);
    if (!experiment || !inAudience(experiment.id, userId, experiment.audienceShare)) return null;
    // Shares of stopped arms stay in the split, so stopping one never moves anyone else.
    const arm = experiment.arms.find((a) => a.name === armFor(experiment.id, userId, experiment.arms));
    if (!arm || arm.stoppedAt) return null;
    const serving = this.arms.get(arm.versionId);
    // Not loaded (yet, or broken) and not the active one: serve normally, outside the experiment.
    if (!serving && this.activeIds.get(kind) !== arm.versionId) return null;
    return { experimentId: experiment.id, arm: arm.name, versionId: arm.versionId, serving };
  }

  /** Buffers one served page. Never throws, never waits. */
  recordImpression(input: ImpressionInput): void {
    // An impression counts for an arm only if the arm's version really served it.
    const inArm = input.choice !== null && input.versionId === input.choice.versionId;
    this.recorder.record({
      recommendationId: input.recommendationId,
      viewerId: input.viewerId,
      kind: input.kind,
      surface: input.surface,
      versionId: input.versionId,
      experimentId: inArm ? input.choice!.experimentId : null,
      arm: inArm ? input.choice!.arm : null,
      shownIds: input.shownIds,
      offset: input.offset,
      createdAt: new Date(),
    });
  }

  /** Bytes of extra model versions this process holds for experiments. */
  extraModelBytes(): number {
    return this.arms.heldBytes();
  }

  /** Re-reads running experiments and the active versions, loads arm versions, runs the guardrail when due. Never throws. */
  refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        const [experiments, active] = await Promise.all([
          runningExperiments(this.db),
          this.db.query<{ id: number; kind: ModelKind }>(`SELECT id, kind FROM "ModelVersion" WHERE status = 'ACTIVE'`),
        ]);
        this.activeIds = new Map(active.map((v) => [v.kind, Number(v.id)]));
        const wanted = new Set<number>();
        for (const e of experiments) {
          for (const arm of e.arms) if (!arm.stoppedAt && this.activeIds.get(e.kind) !== arm.versionId) wanted.add(arm.versionId);
        }
        await this.arms.keep(wanted);
        this.running = new Map(experiments.map((e) => [e.kind, e]));
        if (Date.now() - this.guardrailAt >= GUARDRAIL_EVERY_MS) {
          this.guardrailAt = Date.now();
          for (const e of experiments) await this.enforceGuardrail(e);
        }
      } catch (error) {
        this.logger.error({ err: error }, 'could not refresh experiments; the previous ones keep serving');
      }
    })().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  /** Stops every treatment of a running experiment that the guardrail flags; returns the arms stopped. */
  async enforceGuardrail(experiment: ExperimentRecord): Promise<string[]> {
    const results = await experimentResults(this.db, experiment, this.settings);
    const stopped: string[] = [];
    for (const breach of results.guardrailBreaches) {
      const reason = `guardrail: ${breach.metric === 'CTR' ? 'CTR significantly lower' : 'HIDE rate significantly higher'} than the control`;
      if (await stopArm(this.db.prisma, experiment.id, breach.arm, reason, null)) {
        stopped.push(breach.arm);
        this.logger.warn({ experimentId: experiment.id, arm: breach.arm, metric: breach.metric }, 'experiment arm stopped by the guardrail');
      }
    }
    return stopped;
  }

  /** Deletes impressions past the retention period; returns how many. */
  async prune(): Promise<number> {
    try {
      const cutoff = new Date(Date.now() - this.settings.impressionRetentionDays * 86_400_000);
      const rows = await this.db.query<{ n: number }>(
        `WITH gone AS (DELETE FROM "Impression" WHERE "createdAt" < $1::timestamp RETURNING 1) SELECT count(*)::int AS n FROM gone`,
        [cutoff.toISOString()],
      );
      return Number(rows[0]?.n ?? 0);
    } catch (error) {
      this.logger.error({ err: error }, 'impression prune failed; retried at the next run');
      return 0;
    }
  }
}
