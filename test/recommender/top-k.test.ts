import { topK } from '../../src/recommender/top-k';

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
});
