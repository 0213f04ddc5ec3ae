import { TopKSelector } from '../../../src/recommender/items/neighbours';
import { TopK } from '../../../src/recommender/top-k';

describe('TopK', () => {
  it('keeps and orders exactly what TopKSelector does, ties at the cut included', () => {
    let seed = 11;
    const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    const top = new Map<number, TopK>();
    for (let round = 0; round < 3000; round++) {
      const k = Math.floor(random() * 12);
      const selector = new TopKSelector(k);
      const mine = top.get(k) ?? new TopK(k);
      top.set(k, mine);
      const count = Math.floor(random() * 40);
      const start = Math.floor(random() * 100);
      for (let t = 0; t < count; t++) {
        // Few distinct values, so equal values meet at the cut; float32 like the callers' scores.
        const value = Math.fround(Math.floor(random() * 6) / 3 + (random() < 0.1 ? 1e-3 : 0));
        const index = (start + t * 7) % 1000;
        selector.push(index, value);
        mine.push(index, value);
      }
      const expected = selector.drain();
      mine.drain();
      expect(Array.from(mine.indices.subarray(0, mine.count))).toEqual(Array.from(expected.indices));
      expect(Float32Array.from(mine.values.subarray(0, mine.count))).toEqual(expected.values);
    }
  });
});
