import { buildInteractions } from '../../../src/recommender/friends/data';
import { scoreOccluded, scoreRows, type Ranker } from '../../../src/recommender/friends/ranker';

/** A seeded ranker with 5 features, hidden layers of 7 and 3 units: odd sizes, so no loop divides evenly. */
function ranker(): Ranker {
  let state = 12345;
  const next = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32 - 0.5;
  };
  const sizes = [5, 7, 3, 1];
  const fill = (n: number) => Float32Array.from({ length: n }, next);
  return {
    numFeatures: 5,
    mean: fill(5),
    invStd: Float32Array.from({ length: 5 }, () => 1 + next()),
    layers: sizes.slice(1).map((outSize, i) => ({ inSize: sizes[i], outSize, weights: fill(sizes[i] * outSize), bias: fill(outSize) })),
  };
}

describe('scoreRows', () => {
  const model = ranker();
  const rows = 11;
  const features = Float32Array.from({ length: rows * 5 }, (_, i) => Math.sin(i * 1.7) * 3);

  it('scores a block of rows exactly as each row alone', () => {
    const together = scoreRows(model, features, rows);
    for (let r = 0; r < rows; r++) expect(together[r]).toBe(scoreRows(model, features.subarray(r * 5, (r + 1) * 5), 1)[0]);
  });

  it('keeps first-layer sums from which scoreOccluded gives the scores it computes alone', () => {
    const sums = new Float64Array(rows * 7);
    scoreRows(model, features, rows, sums);
    const groups = [[0, 2], [1], [3, 4]];
    for (let r = 0; r < rows; r++) {
      expect(Array.from(scoreOccluded(model, features, r * 5, groups, sums, r * 7))).toEqual(Array.from(scoreOccluded(model, features, r * 5, groups)));
    }
  });
});

describe('buildInteractions', () => {
  it('orders rows by item and sums repeated pairs in input order', () => {
    const x = buildInteractions(3, 4, [2, 0, 2, 0, 2, 2], [3, 1, 0, 1, 3, 1], [0.1, 1, 5, 2, 0.2, 7]);
    expect(Array.from(x.indptr)).toEqual([0, 1, 1, 4]);
    expect(Array.from(x.indices)).toEqual([1, 0, 1, 3]);
    expect(Array.from(x.values)).toEqual(Array.from(Float32Array.of(3, 5, 7, 0.1 + 0.2)));
  });
});
