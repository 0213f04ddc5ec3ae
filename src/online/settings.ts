/**
 * Online-evaluation settings. Read from the environment once, at start, by the composition
 * root (config.ts is shared with other work in flight; these can move into it unchanged).
 */
export interface OnlineSettings {
  /** The recorder writes at least this often; also the crash loss window. */
  impressionFlushMs: number;
  /** ...or as soon as this many rows are buffered (one multi-row statement per batch). */
  impressionBatchRows: number;
  /** Buffer bound: beyond it the oldest buffered impressions are dropped and counted. */
  impressionBufferMax: number;
  /** Impressions older than this are deleted by the scheduled prune. */
  impressionRetentionDays: number;
  pruneEveryMs: number;
  /** How often running experiments (and the versions they need loaded) are re-read; guardrails are checked at the same pace. */
  experimentPollMs: number;
  /** An interaction or follow without a matching recommendationId counts for an impression that showed its target this long before. */
  attributionWindowMs: number;
  /** RATE at or above this value is a positive action. */
  positiveRating: number;
}

export const defaultOnlineSettings: OnlineSettings = {
  impressionFlushMs: 1000,
  impressionBatchRows: 500,
  impressionBufferMax: 50_000,
  impressionRetentionDays: 90,
  pruneEveryMs: 60 * 60 * 1000,
  experimentPollMs: 5000,
  attributionWindowMs: 30 * 60 * 1000,
  positiveRating: 4,
};

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

export function readOnlineSettings(env: NodeJS.ProcessEnv): OnlineSettings {
  const d = defaultOnlineSettings;
  return {
    impressionFlushMs: positive(env, 'IMPRESSION_FLUSH_MS', d.impressionFlushMs),
    impressionBatchRows: Math.floor(positive(env, 'IMPRESSION_BATCH_ROWS', d.impressionBatchRows)),
    impressionBufferMax: Math.floor(positive(env, 'IMPRESSION_BUFFER_MAX', d.impressionBufferMax)),
    impressionRetentionDays: positive(env, 'IMPRESSION_RETENTION_DAYS', d.impressionRetentionDays),
    pruneEveryMs: d.pruneEveryMs,
    experimentPollMs: positive(env, 'EXPERIMENT_POLL_MS', d.experimentPollMs),
    attributionWindowMs: positive(env, 'ATTRIBUTION_WINDOW_MS', d.attributionWindowMs),
    positiveRating: positive(env, 'POSITIVE_RATING', d.positiveRating),
  };
}
