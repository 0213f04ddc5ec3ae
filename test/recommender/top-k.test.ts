import { topK, topKSparse } from '../../src/recommender/top-k';

describe('topK', () => {
  it('returns the k largest indices best first, ties by lower index', () => {
    expect(topK([0.5, 2, 1, 2, -1], 3)).toEqual([1, 3, 2]);
    expect(topK(new Float64Array([3, 1, 2]), 10)).toEqual([0, 2, 1]);
  });

  it('skips -Infinity, NaN and excluded indices, and returns nothing for k <= 0', () => {
    expect(topK([1, -Infinity, NaN, 4, 3], 5, (i) => i === 3)).toEqual([4, 0]);
    expect(topK([1, 2], 0)).toEqual([]);
    expect(topK([1, 2], -1)).toEqual([]);
  });

  it('keeps the larger scores when the heap is full, whatever the input order', () => {
    const scores = Array.from({ length: 200 }, (_, i) => (i * 37) % 200);
    expect(topK(scores, 5).map((i) => scores[i])).toEqual([199, 198, 197, 196, 195]);
  });

  it('topKSparse gives topK\'s answer when every score outside the touched indices is 0', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let round = 0; round < 2000; round++) {
      const n = 1 + Math.floor(random() * 60);
      const scores = new Float32Array(n);
      const touched: number[] = [];
      for (let j = 0; j < n; j++) {
        if (random() < 0.6) continue;
        touched.push(j);
        // Negative, equal and -Infinity scores all occur, so ties at the cut and zeros that
        // displace negatives are exercised.
        const r = random();
        scores[j] = r < 0.1 ? -Infinity : r < 0.3 ? 0 : Math.round((random() - 0.4) * 6);
      }
      const k = Math.floor(random() * 12);
      expect(topKSparse(scores, k, touched)).toEqual(topK(scores, k));
    }
  });
});

