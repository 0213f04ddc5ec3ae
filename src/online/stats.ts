/**
 * The statistics of experiments, on proportions (an impression engaged or not, hidden or not).
 *
 * - Per arm: the Wilson score interval, a 95% interval for one rate that behaves at small
 *   counts and near 0 or 1 (where the normal interval leaves [0, 1]).
 * - Treatment minus control: the mixture sequential probability ratio test (mSPRT) with a
 *   normal mixing distribution N(0, tau^2) over the true difference, on the normal
 *   approximation of the difference of two proportions (Johari, Pekelis & Walsh, "Always
 *   valid inference"). Its likelihood ratio is a martingale under "no difference", so by
 *   Ville's inequality P(it ever exceeds 1/alpha) <= alpha: the admin may look every day
 *   and stop whenever it says so, which a fixed-horizon z-test does not allow. The
 *   always-valid p-value is 1 / Lambda (capped at 1) and the interval is the matching
 *   confidence sequence: every difference that the test would not reject.
 */

export interface Counts {
  successes: number;
  trials: number;
}

export interface Interval {
  low: number;
  high: number;
}

export const Z95 = 1.959963984540054;

export function wilson({ successes, trials }: Counts, z = Z95): Interval {
  if (trials === 0) return { low: 0, high: 1 };
  const p = successes / trials;
  const z2 = z * z;
  const centre = (p + z2 / (2 * trials)) / (1 + z2 / trials);
  const half = (z / (1 + z2 / trials)) * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

export interface SequentialComparison {
  /** Treatment rate minus control rate. */
  difference: number;
  /** Estimated variance of that difference. */
  variance: number;
  /** The mixture likelihood ratio; the test rejects "no difference" when it reaches 1/alpha. */
  likelihoodRatio: number;
  /** Always-valid p-value: min(1, 1/Lambda). */
  pValue: number;
  /** Always-valid (1 - alpha) confidence interval for the difference. */
  interval: Interval;
  significant: boolean;
}

/**
 * p(1-p)/n, with p kept half an observation away from 0 and 1: an arm where every
 * impression was hidden (or none was) still has sampling uncertainty, and a zero variance
 * would make any difference look infinitely significant or, if both are extreme, undefined.
 */
function binomialVariance(p: number, n: number): number {
  if (n === 0) return Infinity;
  const q = Math.min(Math.max(p, 0.5 / n), 1 - 0.5 / n);
  return (q * (1 - q)) / n;
}

/**
 * mSPRT for a difference in proportions. `tau` is the standard deviation of the mixing
 * distribution, i.e. the size of difference the test is most sensitive to (in absolute rate
 * units). Lambda = sqrt(V/(V+tau^2)) * exp(d^2 tau^2 / (2 V (V+tau^2))) with d the observed
 * difference and V its variance.
 */
export function compareSequential(control: Counts, treatment: Counts, tau: number, alpha = 0.05): SequentialComparison {
  const pc = control.trials ? control.successes / control.trials : 0;
  const pt = treatment.trials ? treatment.successes / treatment.trials : 0;
  const difference = pt - pc;
  const variance = binomialVariance(pc, control.trials) + binomialVariance(pt, treatment.trials);
  // An empty arm: no evidence either way.
  if (!Number.isFinite(variance)) {
    return { difference, variance, likelihoodRatio: 1, pValue: 1, interval: { low: -1, high: 1 }, significant: false };
  }
  const t2 = tau * tau;
  const logLambda = 0.5 * Math.log(variance / (variance + t2)) + (difference * difference * t2) / (2 * variance * (variance + t2));
  const likelihoodRatio = Math.exp(logLambda);
  const pValue = Math.min(1, Math.exp(-logLambda));
  const half = Math.sqrt(((variance * (variance + t2)) / t2) * (2 * Math.log(1 / alpha) + Math.log((variance + t2) / variance)));
  return {
    difference,
    variance,
    likelihoodRatio,
    pValue,
    interval: { low: difference - half, high: difference + half },
    significant: pValue <= alpha,
  };
}
