import { seededRng } from '../../src/recommender/eval/rng';
import { compareSequential, wilson, Z95 } from '../../src/online/stats';

// Expected values computed by hand from the closed forms (Python, double precision):
// Wilson: (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)
// mSPRT:  Λ = sqrt(V/(V+τ²)) · exp(d²τ² / (2V(V+τ²))), V = pc(1-pc)/nc + pt(1-pt)/nt
describe('Wilson interval', () => {
  it('matches known values', () => {
    const a = wilson({ successes: 100, trials: 1000 });
    expect(a.low).toBeCloseTo(0.0829094, 6);
    expect(a.high).toBeCloseTo(0.1201520, 6);
    const b = wilson({ successes: 0, trials: 20 });
    expect(b.low).toBe(0);
    expect(b.high).toBeCloseTo(0.1611252, 6);
    const c = wilson({ successes: 30, trials: 40 });
    expect(c.low).toBeCloseTo(0.5980604, 6);
    expect(c.high).toBeCloseTo(0.8581288, 6);
  });
});

describe('mSPRT for a difference in proportions', () => {
  it('matches hand-computed likelihood ratio, p-value and interval', () => {
    const r = compareSequential({ successes: 100, trials: 1000 }, { successes: 150, trials: 1000 }, 0.05);
    expect(r.difference).toBeCloseTo(0.05, 10);
    expect(r.variance).toBeCloseTo(0.0002175, 10);
    expect(r.likelihoodRatio).toBeCloseTo(55.95291, 4);
    expect(r.pValue).toBeCloseTo(0.0178722, 6);
    expect(r.interval.low).toBeCloseTo(0.0051274, 6);
    expect(r.interval.high).toBeCloseTo(0.0948726, 6);
    expect(r.significant).toBe(true);
  });

  it('is not significant for a small or negative-but-uncertain difference', () => {
    const small = compareSequential({ successes: 100, trials: 1000 }, { successes: 110, trials: 1000 }, 0.05);
    expect(small.likelihoodRatio).toBeCloseTo(0.338644, 5);
    expect(small.pValue).toBe(1);
    const worse = compareSequential({ successes: 50, trials: 500 }, { successes: 30, trials: 500 }, 0.05);
    expect(worse.likelihoodRatio).toBeCloseTo(3.736444, 5);
    expect(worse.pValue).toBeCloseTo(0.2676341, 6);
    expect(worse.interval.low).toBeCloseTo(-0.0919371, 6);
    expect(worse.interval.high).toBeCloseTo(0.0119371, 6);
    expect(worse.significant).toBe(false);
  });

  it('says nothing without variance', () => {
    const r = compareSequential({ successes: 0, trials: 100 }, { successes: 0, trials: 100 }, 0.05);
    expect(r.pValue).toBe(1);
    expect(r.significant).toBe(false);
  });

  it('still sees a difference when one arm is all-or-nothing (variance kept half an observation from 0)', () => {
    // q = 0.5/30 for both arms: V = 2 · (1/60)(59/60)/30; d = 1.
    const r = compareSequential({ successes: 0, trials: 30 }, { successes: 30, trials: 30 }, 0.05);
    expect(r.variance).toBeCloseTo((2 * (1 / 60) * (59 / 60)) / 30, 12);
    expect(r.significant).toBe(true);
  });

  it('the always-valid interval excludes 0 exactly when the test rejects', () => {
    for (const xt of [105, 120, 135, 150, 165]) {
      const r = compareSequential({ successes: 100, trials: 1000 }, { successes: xt, trials: 1000 }, 0.05);
      expect(r.interval.low > 0 || r.interval.high < 0).toBe(r.significant);
    }
  });

  /**
   * A/A with daily peeks: two arms with the same true rate, checked after every 100
   * observations per arm up to 5000. The mSPRT's false-positive rate must stay under alpha;
   * the fixed-horizon z-test peeked at the same times must not (why the sequential test).
   */
  it('keeps the false-positive rate under 5% with repeated peeking, where a peeked z-test does not', () => {
    const rng = seededRng(2026);
    const runs = 400;
    let sequential = 0;
    let peekedZ = 0;
    for (let run = 0; run < runs; run++) {
      let xa = 0;
      let xb = 0;
      let rejectedSeq = false;
      let rejectedZ = false;
      for (let n = 1; n <= 5000; n++) {
        if (rng() < 0.2) xa++;
        if (rng() < 0.2) xb++;
        if (n % 100 !== 0) continue;
        const r = compareSequential({ successes: xa, trials: n }, { successes: xb, trials: n }, 0.05);
        if (r.significant) rejectedSeq = true;
        if (Math.abs(r.difference) / Math.sqrt(r.variance) > Z95) rejectedZ = true;
      }
      if (rejectedSeq) sequential++;
      if (rejectedZ) peekedZ++;
    }
    expect(sequential / runs).toBeLessThanOrEqual(0.05);
    expect(peekedZ / runs).toBeGreaterThan(0.1);
  });
});
