import { rankerScore, scoreCandidates, type RankerWeights } from '../../../src/recommender/items/ranker';

/** The straightforward evaluation the served scores must equal bit for bit. */
function reference(r: RankerWeights, row: Float32Array, offset: number): number {
  const z = Array.from({ length: r.numFeatures }, (_, f) => (row[offset + f] - r.mean[f]) / r.std[f]);
  const a = Array.from(r.b1);
  let out = r.b2;
  for (let f = 0; f < r.numFeatures; f++) {
    if (z[f] === 0) continue;
    out += z[f] * r.linear[f];
    for (let h = 0; h < r.hidden; h++) a[h] += z[f] * r.w1[f * r.hidden + h];
  }
  for (let h = 0; h < r.hidden; h++) if (a[h] > 0) out += a[h] * r.w2[h];
  return out;
}

describe('item ranker', () => {
  it('scores exactly as the unit-by-unit evaluation, zero and mean-valued features included', () => {
    let seed = 5;
    const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5;
    for (const hidden of [0, 3, 8, 13, 32]) {
      const numFeatures = 22;
      const weights: RankerWeights = {
        numFeatures,
        hidden,
        mean: Float32Array.from({ length: numFeatures }, (_, f) => (f % 4 === 0 ? 0 : random())),
        std: Float32Array.from({ length: numFeatures }, () => 0.5 + Math.abs(random())),
        w1: Float32Array.from({ length: numFeatures * hidden }, random),
        b1: Float32Array.from({ length: hidden }, random),
        w2: Float32Array.from({ length: hidden }, random),
        b2: random(),
        linear: Float32Array.from({ length: numFeatures }, random),
      };
      const count = 200;
      const features = new Float32Array(count * numFeatures);
      for (let p = 0; p < features.length; p++) {
        const f = p % numFeatures;
        const pick = random() + 0.5;
        features[p] = pick < 0.3 ? 0 : pick < 0.4 ? weights.mean[f] : random() * 5;
      }
      const scores = new Float64Array(count);
      scoreCandidates(weights, features, count, scores);
      for (let c = 0; c < count; c++) {
        const expected = reference(weights, features, c * numFeatures);
        expect(Object.is(scores[c], expected)).toBe(true);
        expect(Object.is(rankerScore(weights, features, c * numFeatures), expected)).toBe(true);
      }
    }
  });
});
