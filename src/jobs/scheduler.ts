/** The nightly retrain: the only place with a cron expression. */
import { Cron } from 'croner';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { ModelKind } from '../recommender/artifact';

export interface Scheduler {
  nextRun(): Date | null;
  stop(): void;
}

export function startScheduler(
  config: Config,
  logger: Logger,
  retrain: (kind: ModelKind) => Promise<unknown>,
): Scheduler {
  // ROLE=api: the trainer process runs the schedule; this one only follows its promotions.
  if (!config.schedulerEnabled) {
    logger.info({ role: config.role }, 'retrain schedule off in this process');
    return { nextRun: () => null, stop: () => {} };
  }
  const job = new Cron(config.retrainCron, { timezone: config.retrainTz, protect: true }, async () => {
    for (const kind of ['ITEMS', 'FRIENDS'] as const) {
      try {
        await retrain(kind);
      } catch (error) {
        logger.error({ err: error, kind }, 'scheduled retrain could not start');
      }
    }
  });
  logger.info({ cron: config.retrainCron, tz: config.retrainTz, next: job.nextRun() }, 'retrain scheduled');
  return { nextRun: () => job.nextRun(), stop: () => job.stop() };
}
