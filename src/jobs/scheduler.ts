/** The nightly retrain: the only place with a cron expression. */
import { Cron } from 'croner';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { ModelKind } from '../recommender/artifact';

export interface Scheduler {
  nextRun(): Date | null;
  stop(): void;
}

/**
 * The tick a run belongs to. Every process fires on the same slot, so the retrain job records
 * a slot's run once; a run recorded up to half an interval before the slot counts as this
 * slot's, which tolerates clocks that disagree by less than that.
 */
export interface ScheduleSlot {
  at: Date;
  toleranceMs: number;
}

export function startScheduler(
  config: Config,
  logger: Logger,
  retrain: (kind: ModelKind, slot: ScheduleSlot) => Promise<unknown>,
): Scheduler {
  // ROLE=api: the trainer process runs the schedule; this one only follows its promotions.
  if (!config.schedulerEnabled) {
    logger.info({ role: config.role }, 'retrain schedule off in this process');
    return { nextRun: () => null, stop: () => {} };
  }
  const job = new Cron(config.retrainCron, { timezone: config.retrainTz, protect: true }, async () => {
    // The slot, not the moment this tick ran: a loaded process may fire late.
    const at = job.previousRuns(1, new Date())[0] ?? new Date();
    const following = job.nextRun(at);
    const toleranceMs = following ? (following.getTime() - at.getTime()) / 2 : 0;
    for (const kind of ['ITEMS', 'FRIENDS'] as const) {
      try {
        await retrain(kind, { at, toleranceMs });
      } catch (error) {
        logger.error({ err: error, kind }, 'scheduled retrain could not start');
      }
    }
  });
  logger.info({ cron: config.retrainCron, tz: config.retrainTz, next: job.nextRun() }, 'retrain scheduled');
  return { nextRun: () => job.nextRun(), stop: () => job.stop() };
}
