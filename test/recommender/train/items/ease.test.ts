import { buildInteractions, type ItemTrainingData } from '../../../../src/recommender/items/data';
import { invertSpdInPlace, matMulSpdInverse } from '../../../../src/recommender/train/items/dense';
import { loadTf } from '../../../../src/recommender/tf-backend';
import { fitEase } from '../../../../src/recommender/train/items/ease';
import { seededRng } from '../../../../src/recommender/eval/rng';

function randomData(numUsers: number, numItems: number, density: number, seed: number): ItemTrainingData {
  const rng = seededRng(seed);
  const users: number[] = [];
  const items: number[] = [];
  for (let u = 0; u < numUsers; u++) {
    for (let i = 0; i < numItems; i++) {
      if (rng() < density) {
        users.push(u);
        items.push(i);
      }
    }
  }
  return { numUsers, numItems, users: Int32Array.from(users), items: Int32Array.from(items), weights: new Float32Array(users.length).fill(1) };
}

/** EASE straight from its definition: B = I - P / diag(P), P = (X^T X + lambda I)^-1, by Gauss-Jordan. */
function referenceEase(data: ItemTrainingData, lambda: number): number[][] {
  const n = data.numItems;
  const x = Array.from({ length: data.numUsers }, () => new Array<number>(n).fill(0));
  data.users.forEach((u, e) => (x[u][data.items[e]] = 1));
  const a = Array.from({ length: n }, (_, i) =>
    Array.from({ length: 2 * n }, (_, j) => (j < n ? x.reduce((s, row) => s + row[i] * row[j], 0) + (i === j ? lambda : 0) : j - n === i ? 1 : 0)),
  );
  for (let c = 0; c < n; c++) {
    const pivot = a[c][c];
    for (let j = 0; j < 2 * n; j++) a[c][j] /= pivot;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r][c];
      for (let j = 0; j < 2 * n; j++) a[r][j] -= f * a[c][j];
    }
  }
  const p = a.map((row) => row.slice(n));
  return p.map((row, i) => row.map((v, j) => (i === j ? 0 : -v / p[j][j])));
}

function denseLists(lists: ReturnType<typeof fitEase>, n: number): number[][] {
  const out = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) for (let p = lists.indptr[i]; p < lists.indptr[i + 1]; p++) out[i][lists.indices[p]] = lists.values[p];
  return out;
}

const config = { lambda: 3, dropout: 0, neighbours: 1000, keepAllBelow: 1000, minSupport: 1 };

describe('EASE', () => {
  it.each([
    ['primal (items <= users)', 40, 12, undefined],
    ['dual (users < items)', 10, 25, undefined],
    ['dual, rows gathered in full (C too large to keep)', 10, 25, 0],
  ])('%s matches the closed form', (_, users, items, symmetricMaxItems) => {
    const data = randomData(users, items, 0.3, users * 31 + items);
    const lists = fitEase(buildInteractions(data), data.numItems, config, undefined, symmetricMaxItems);
    const expected = referenceEase(data, config.lambda);
    const got = denseLists(lists, data.numItems);
    for (let i = 0; i < items; i++) for (let j = 0; j < items; j++) expect(got[i][j]).toBeCloseTo(expected[i][j], 5);
  });

  it.each([5, 3])('keeps the %i strongest weights by magnitude when pruning', (neighbours) => {
    const data = randomData(30, 20, 0.3, 5);
    const x = buildInteractions(data);
    const full = denseLists(fitEase(x, 20, config), 20);
    const pruned = fitEase(x, 20, { ...config, neighbours, keepAllBelow: 0 });
    for (let i = 0; i < 20; i++) {
      const kept = Array.from(pruned.indices.subarray(pruned.indptr[i], pruned.indptr[i + 1]));
      expect(kept).toHaveLength(neighbours);
      const weakestKept = Math.min(...kept.map((j) => Math.abs(full[i][j])));
      const strongestDropped = Math.max(0, ...full[i].map((v, j) => (kept.includes(j) || j === i ? 0 : Math.abs(v))));
      expect(weakestKept).toBeGreaterThanOrEqual(strongestDropped - 1e-6);
    }
  });
});

describe('invertSpdInPlace', () => {
  it('inverts a random SPD matrix (sizes not multiples of the 4-row blocks)', () => {
    const rng = seededRng(3);
    for (const m of [1, 5, 23]) {
      const b = Array.from({ length: m * m }, () => rng() - 0.5);
      const a = new Float64Array(m * m);
      for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) {
        let s = i === j ? 0.5 : 0;
        for (let k = 0; k < m; k++) s += b[i * m + k] * b[j * m + k];
        a[i * m + j] = s;
      }
      const inv = a.slice();
      invertSpdInPlace(inv, m);
      for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) {
        let s = 0;
        for (let k = 0; k < m; k++) s += a[i * m + k] * inv[k * m + j];
        expect(s).toBeCloseTo(i === j ? 1 : 0, 8);
      }
    }
  });
});

describe('matMulSpdInverse', () => {
  it('matches the float64 inverse to float32 precision across recursion levels, and frees its tensors', async () => {
    const { tf } = await loadTf();
    const inverse = matMulSpdInverse(tf);
    const rng = seededRng(5);
    // 700 splits twice (448 + 252, then 448 -> 256 + 192): odd remainders on both sides.
    for (const m of [40, 700]) {
      // An EASE-like Gram matrix: sparse binary rows plus a ridge.
      const a = new Float64Array(m * m);
      for (let u = 0; u < 3 * m; u++) {
        const items = Array.from({ length: 12 }, () => Math.floor(m * rng() ** 2)).filter((i, t, all) => all.indexOf(i) === t);
        for (const i of items) for (const j of items) a[i * m + j] += 1;
      }
      for (let i = 0; i < m; i++) a[i * m + i] += 20;
      const exact = a.slice();
      invertSpdInPlace(exact, m);
      const before = tf.memory().numTensors;
      const fast = a.slice();
      inverse(fast, m);
      expect(tf.memory().numTensors).toBe(before);
      const scale = exact.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
      const worst = exact.reduce((a, v, p) => Math.max(a, Math.abs(v - fast[p])), 0);
      expect(worst / scale).toBeLessThan(1e-5);
      expect(fast[1]).toBeCloseTo(fast[m], 7); // symmetric
    }
  });
});
