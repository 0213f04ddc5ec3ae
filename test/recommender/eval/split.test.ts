import { MetricsAccumulator } from '../../../src/recommender/eval/metrics';
import { carveValidation, holdOut, type PositivePairs } from '../../../src/recommender/eval/split';

function pairsFor(counts: number[]): PositivePairs {
  const users: number[] = [];
  const items: number[] = [];
  const times: number[] = [];
  counts.forEach((count, u) => {
    for (let i = 0; i < count; i++) {
      users.push(u);
      items.push(i);
      times.push(1000 + i * 10 - u);
    }
  });
  return {
    numUsers: counts.length,
    numItems: Math.max(...counts),
    users: Int32Array.from(users),
    items: Int32Array.from(items),
    values: new Float32Array(users.length).fill(1),
    times: Float64Array.from(times),
  };
}

describe('protocol split', () => {
  const pairs = pairsFor([4, 5, 12, 20, 33]);

  it('holds out round(20%) (at least one) of users with at least 5 positives', () => {
    const split = holdOut(pairs, { mode: 'random', seed: 1 });
    const heldPerUser = [0, 0, 0, 0, 0];
    for (const e of split.heldOut) heldPerUser[pairs.users[e]]++;
    expect(heldPerUser).toEqual([0, 1, 2, 4, 7]);
    expect(split.train.length + split.heldOut.length).toBe(pairs.users.length);
  });

  it('is reproducible from the seed and changes with it', () => {
    const a = holdOut(pairs, { mode: 'random', seed: 1 });
    expect(holdOut(pairs, { mode: 'random', seed: 1 })).toEqual(a);
    expect(holdOut(pairs, { mode: 'random', seed: 2 }).heldOut).not.toEqual(a.heldOut);
  });

  it('temporal holds out each user’s latest positives', () => {
    const split = holdOut(pairs, { mode: 'temporal', seed: 1 });
    const user4 = Array.from(split.heldOut).filter((e) => pairs.users[e] === 4).map((e) => pairs.items[e]);
    expect(user4.sort((a, b) => a - b)).toEqual([26, 27, 28, 29, 30, 31, 32]);
  });

  it('carves validation from training pairs only', () => {
    const split = holdOut(pairs, { mode: 'random', seed: 1 });
    const inner = carveValidation(pairs, split.train, { mode: 'random', seed: 1 });
    const held = new Set(split.heldOut);
    for (const e of [...inner.train, ...inner.heldOut]) expect(held.has(e)).toBe(false);
    expect(inner.train.length + inner.heldOut.length).toBe(split.train.length);
  });
});

describe('metrics sanity', () => {
  it('scores a perfect ranking 1 and a disjoint one 0', () => {
    const acc = new MetricsAccumulator([2, 5], 10);
    acc.add([1, 2, 3, 4, 5], new Set([1, 2]));
    expect(acc.result().recall[2]).toBe(1);
    expect(acc.result().ndcg[5]).toBeCloseTo(1, 10);
    const miss = new MetricsAccumulator([5], 10);
    miss.add([6, 7, 8, 9, 0], new Set([1, 2]));
    expect(miss.result().recall[5]).toBe(0);
  });

  it('divides recall by min(K, held-out count)', () => {
    const acc = new MetricsAccumulator([2], 10);
    acc.add([1, 9], new Set([1, 2, 3, 4]));
    expect(acc.result().recall[2]).toBeCloseTo(0.5, 10);
  });
});
