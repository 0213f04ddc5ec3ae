import { TopKSelector } from '../../../src/recommender/items/neighbours';
import { kthLargest, sortBestFirst } from '../../../src/recommender/top-k';

let seed = 11;
const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;

/** The selector as it was before pushes were buffered: every push goes into the heap at once. */
class HeapReference {
  private readonly items: { index: number; value: number; rank: number }[] = [];

  constructor(
    private readonly k: number,
    private readonly byMagnitude: boolean,
  ) {}

  push(index: number, value: number): void {
    const heap = this.items;
    const rank = this.byMagnitude ? Math.abs(value) : value;
    const item = { index, value, rank };
    if (heap.length < this.k) {
      let i = heap.length;
      heap.push(item);
      while (i > 0 && heap[(i - 1) >> 1].rank > rank) {
        heap[i] = heap[(i - 1) >> 1];
        i = (i - 1) >> 1;
      }
      heap[i] = item;
    } else if (this.k > 0 && rank > heap[0].rank) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= this.k) break;
        const c = l + 1 < this.k && heap[l + 1].rank < heap[l].rank ? l + 1 : l;
        if (heap[c].rank >= rank) break;
        heap[i] = heap[c];
        i = c;
      }
      heap[i] = item;
    }
  }

  drain(): { indices: number[]; values: number[] } {
    const sorted = [...this.items].sort((a, b) => b.value - a.value || a.index - b.index);
    this.items.length = 0;
    return { indices: sorted.map((e) => e.index), values: sorted.map((e) => Math.fround(e.value)) };
  }
}

describe('sortBestFirst', () => {
  it('orders by value descending, then index ascending, at every length', () => {
    for (let round = 0; round < 300; round++) {
      const n = Math.floor(random() * 200);
      // Few distinct values, so that most comparisons are ties decided by the index.
      const pairs = Array.from({ length: n }, () => ({ index: Math.floor(random() * 1000), value: Math.round(random() * 8) - 4 }));
      const idx = Int32Array.from(pairs, (p) => p.index);
      const val = Float64Array.from(pairs, (p) => p.value);
      sortBestFirst(idx, val, n);
      pairs.sort((a, b) => b.value - a.value || a.index - b.index);
      expect(Array.from(idx)).toEqual(pairs.map((p) => p.index));
      expect(Array.from(val)).toEqual(pairs.map((p) => p.value));
    }
  });

  it('sorts only the first n pairs', () => {
    const idx = Int32Array.from([3, 1, 2, 0]);
    const val = Float64Array.from([1, 2, 2, 9]);
    sortBestFirst(idx, val, 3);
    expect(Array.from(idx)).toEqual([1, 2, 3, 0]);
    expect(Array.from(val)).toEqual([2, 2, 1, 9]);
  });
});

describe('kthLargest', () => {
  it('finds the k-th largest, duplicates included', () => {
    for (let round = 0; round < 300; round++) {
      const n = 1 + Math.floor(random() * 100);
      const values = Array.from({ length: n }, () => (round % 2 ? Math.round(random() * 5) : random()));
      const k = 1 + Math.floor(random() * n);
      const sorted = [...values].sort((a, b) => b - a);
      expect(kthLargest(Float64Array.from(values), n, k)).toBe(sorted[k - 1]);
    }
  });
});

describe('TopKSelector', () => {
  it('keeps and orders what pushing into a heap at once keeps, ties at the cut included', () => {
    for (const byMagnitude of [false, true]) {
      const selector = new TopKSelector(7, byMagnitude);
      const reference = new HeapReference(7, byMagnitude);
      // Reused across rows of every length: below, at and above k.
      for (let row = 0; row < 500; row++) {
        const count = Math.floor(random() * 20);
        for (let t = 0; t < count; t++) {
          const value = Math.round((random() - 0.5) * 10) / 2;
          selector.push(t, value);
          reference.push(t, value);
        }
        const got = selector.drain();
        const want = reference.drain();
        expect(Array.from(got.indices)).toEqual(want.indices);
        expect(Array.from(got.values)).toEqual(want.values);
      }
    }
  });

  it('pushRow keeps what pushing each value in order keeps, ties and NaN included', () => {
    for (const byMagnitude of [false, true]) {
      for (const k of [1, 5, 20]) {
        const rowWise = new TopKSelector(k, byMagnitude);
        const oneByOne = new TopKSelector(k, byMagnitude);
        for (let round = 0; round < 300; round++) {
          const count = Math.floor(random() * 12 * k);
          // Continuous values mostly (the fast path), coarse ones that tie at the cut, and some NaN.
          const kind = round % 3;
          const values = Float64Array.from({ length: count }, () =>
            kind === 0 ? random() - 0.5 : kind === 1 ? Math.round((random() - 0.5) * 6) : random() < 0.05 ? NaN : random(),
          );
          const skip = random() < 0.5 ? Math.floor(random() * count) : -1;
          rowWise.pushRow(values, count, skip);
          for (let t = 0; t < count; t++) if (t !== skip) oneByOne.push(t, values[t]);
          const got = rowWise.drain();
          const want = oneByOne.drain();
          expect(Array.from(got.indices)).toEqual(Array.from(want.indices));
          expect(Array.from(got.values)).toEqual(Array.from(want.values));
        }
      }
    }
  });

  it('ranks by magnitude but lists by value', () => {
    const selector = new TopKSelector(3, true);
    [0.5, -4, 3, 0.1, -2].forEach((v, i) => selector.push(i, v));
    expect(Array.from(selector.drain().indices)).toEqual([2, 4, 1]);
    const none = new TopKSelector(0);
    none.push(1, 1);
    expect(none.drain().indices.length).toBe(0);
  });
});
