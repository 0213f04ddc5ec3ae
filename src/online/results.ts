/**
 * An experiment's results: per-arm online metrics, intervals, the sequential comparison of
 * every treatment with the control, the guardrail and the verdict. The rules are here once.
 *
 * - Primary metric: user CTR, the share of an arm's exposed users with at least one engaged
 *   impression. Guardrails: the user HIDE rate and user CTR. Users, not impressions, are the
 *   unit: assignment randomises users, and one user's impressions are correlated (tested per
 *   impression, intervals come out too narrow when users return often).
 * - No verdict until every live arm has `minImpressionsPerArm` impressions: the normal
 *   approximation needs counts, and early peeks at tiny samples mislead readers even when
 *   the test stays valid.
 * - With k treatments each comparison runs at alpha / k (Bonferroni), so the chance of any
 *   false winner stays at most alpha.
 * - Guardrail: a live treatment whose HIDE rate is significantly higher, or whose CTR is
 *   significantly lower, than the control's is taken out of traffic; each of the two tests
 *   runs at alpha / 2, so an identical treatment is stopped with probability at most alpha.
 */
import type { Database } from '../db/client';
import { CONTROL, type Arm, type ExperimentRecord } from './experiments';
import { onlineMetrics, type GroupMetrics } from './metrics';
import type { OnlineSettings } from './settings';
import { compareSequential, wilson, type Interval, type SequentialComparison } from './stats';

export const ALPHA = 0.05;
/**
 * Mixing standard deviation of the mSPRT: the test is most sensitive to absolute differences
 * of about this size. 0.05 suits CTRs of 5-50%; smaller makes tiny effects detectable sooner
 * and large ones later.
 */
export const MIXTURE_SD = 0.05;

export type Verdict = 'COLLECTING' | 'NO_DIFFERENCE_YET' | 'TREATMENT_WINS' | 'CONTROL_WINS';

export interface ArmResult {
  arm: Arm;
  metrics: GroupMetrics;
  ctrInterval: Interval;
  hideRateInterval: Interval;
  /** Null for the control. */
  ctrVersusControl: SequentialComparison | null;
  hideRateVersusControl: SequentialComparison | null;
}

export interface ExperimentResults {
  arms: ArmResult[];
  verdict: Verdict;
  /** The arm to promote (TREATMENT_WINS) or keep (CONTROL_WINS). */
  winner: Arm | null;
  /** Live treatments the guardrail says to stop, with the metric that tripped it. */
  guardrailBreaches: { arm: string; metric: 'CTR' | 'HIDE_RATE' }[];
  alphaPerComparison: number;
  from: Date;
  to: Date;
}

const empty = (key: string): GroupMetrics => ({
  key,
  impressions: 0,
  shownIds: 0,
  engagedImpressions: 0,
  engagedIds: 0,
  positiveImpressions: 0,
  hiddenImpressions: 0,
  ctr: 0,
  ctrPerShownId: 0,
  positiveRate: 0,
  hideRate: 0,
  mrr: 0,
  distinctShown: 0,
  catalogueSize: 0,
  coverage: 0,
  exposedUsers: 0,
  engagedUsers: 0,
  hiddenUsers: 0,
});

export async function experimentResults(
  db: Database,
  experiment: ExperimentRecord,
  settings: OnlineSettings,
  now = new Date(),
): Promise<ExperimentResults> {
  const from = experiment.startedAt ?? experiment.createdAt;
  const to = experiment.stoppedAt ?? now;
  const metricsUntil = async (until: Date) => {
    const rows = await onlineMetrics(db, {
      kind: experiment.kind,
      from,
      // Inclusive of impressions recorded in the current millisecond.
      to: new Date(until.getTime() + 1),
      groupBy: 'arm',
      experimentId: experiment.id,
      attributionWindowMs: settings.attributionWindowMs,
      positiveRating: settings.positiveRating,
    });
    return new Map(rows.map((row) => [row.key, row]));
  };
  const byArm = await metricsUntil(to);
  const treatments = experiment.arms.filter((arm) => arm.name !== CONTROL);
  const alpha = ALPHA / Math.max(1, treatments.length);
  // A stopped arm is compared with the control over the same window, up to its stop: later
  // control impressions come from other conditions (in the simulator, users who already
  // consumed their best items), which would bias the comparison.
  const controlUntil = new Map<string, GroupMetrics>();
  for (const arm of treatments) {
    if (!arm.stoppedAt || new Date(arm.stoppedAt) >= to) continue;
    controlUntil.set(arm.name, (await metricsUntil(new Date(arm.stoppedAt))).get(CONTROL) ?? empty(CONTROL));
  }
  const arms: ArmResult[] = experiment.arms.map((arm) => {
    const metrics = byArm.get(arm.name) ?? empty(arm.name);
    const isControl = arm.name === CONTROL;
    const controlMetrics = controlUntil.get(arm.name) ?? byArm.get(CONTROL) ?? empty(CONTROL);
    // Users are the unit: they are what is randomised, and one user's impressions are correlated.
    const engaged = (m: GroupMetrics) => ({ successes: m.engagedUsers, trials: m.exposedUsers });
    const hidden = (m: GroupMetrics) => ({ successes: m.hiddenUsers, trials: m.exposedUsers });
    return {
      arm,
      metrics,
      ctrInterval: wilson(engaged(metrics)),
      hideRateInterval: wilson(hidden(metrics)),
      ctrVersusControl: isControl ? null : compareSequential(engaged(controlMetrics), engaged(metrics), MIXTURE_SD, alpha),
      hideRateVersusControl: isControl ? null : compareSequential(hidden(controlMetrics), hidden(metrics), MIXTURE_SD, alpha),
    };
  });
  const live = arms.filter((r) => r.arm.name !== CONTROL && !r.arm.stoppedAt);
  const enough = (r: ArmResult) => r.metrics.impressions >= experiment.minImpressionsPerArm;
  const control = arms[0];
  const guardrailBreaches: ExperimentResults['guardrailBreaches'] = [];
  // The guardrail watches two metrics; each at alpha / 2 keeps its false-stop rate at alpha.
  const flagged = (c: SequentialComparison) => c.pValue <= alpha / 2;
  if (enough(control)) {
    for (const r of live.filter(enough)) {
      if (flagged(r.hideRateVersusControl!) && r.hideRateVersusControl!.difference > 0) guardrailBreaches.push({ arm: r.arm.name, metric: 'HIDE_RATE' });
      else if (flagged(r.ctrVersusControl!) && r.ctrVersusControl!.difference < 0) guardrailBreaches.push({ arm: r.arm.name, metric: 'CTR' });
    }
  }
  const breached = new Set(guardrailBreaches.map((b) => b.arm));
  const candidates = live.filter((r) => !breached.has(r.arm.name));
  let verdict: Verdict;
  let winner: Arm | null = null;
  if (candidates.length === 0) {
    // Every treatment was stopped or is being stopped: the control stays.
    verdict = treatments.length ? 'CONTROL_WINS' : 'NO_DIFFERENCE_YET';
    winner = treatments.length ? control.arm : null;
  } else if (!enough(control) || candidates.some((r) => !enough(r))) {
    verdict = 'COLLECTING';
  } else {
    const better = candidates
      .filter((r) => r.ctrVersusControl!.significant && r.ctrVersusControl!.difference > 0)
      .sort((a, b) => b.ctrVersusControl!.difference - a.ctrVersusControl!.difference);
    if (better.length) {
      verdict = 'TREATMENT_WINS';
      winner = better[0].arm;
    } else {
      verdict = 'NO_DIFFERENCE_YET';
    }
  }
  return { arms, verdict, winner, guardrailBreaches, alphaPerComparison: alpha, from, to };
}
