import { buildInteractions, type ItemTrainingData } from '../../../../src/recommender/items/data';
import { recencyShares, trainItemModel } from '../../../../src/recommender/train/items/trainer';
import { recommendItems } from '../../../../src/recommender/items/scoring';
import { plantedCommunities, trainingData } from '../../items/synthetic';

const planted = plantedCommunities();
const all = Int32Array.from({ length: planted.pairs.users.length }, (_, e) => e);
const base = trainingData(planted, all, false);
// User 0 (community 0, items 0-29) also took six items of community 1 (items 30-59), later
// than all of its own community's items.
const user = 0;
const extra = [30, 31, 32, 33, 34, 35];
const latest = Math.max(...base.times!);
const data: ItemTrainingData = {
  ...base,
  users: Int32Array.from([...base.users, ...extra.map(() => user)]),
  items: Int32Array.from([...base.items, ...extra]),
  weights: Float32Array.from([...base.weights, ...extra.map(() => 1)]),
  times: Float64Array.from([...base.times!, ...extra.map((_, t) => latest + 60 * (t + 1))]),
};
const x = buildInteractions(data);
const history = { user, items: x.byUser.indices.subarray(x.byUser.indptr[user], x.byUser.indptr[user + 1]) };
const fixed = { tune: false, itemItem: { lambda: 50 }, ranker: { enabled: false } };
const fromCommunity1 = (items: number[]) => items.filter((i) => i >= 30 && i < 60).length;

describe('recency of a user’s history', () => {
  it('shares: 0 for the newest positive, tied times share one value, one time for all gives 0', () => {
    const shares = recencyShares(data, x);
    const row = (u: number) => Array.from(x.byUser.indices.subarray(x.byUser.indptr[u], x.byUser.indptr[u + 1]), (item, t) => ({ item, share: shares[x.byUser.indptr[u] + t] }));
    const own = row(user);
    expect(own.find((e) => e.item === 35)!.share).toBe(0);
    expect(own.find((e) => e.item === 30)!.share).toBeCloseTo(5 / own.length);
    expect(Math.max(...own.map((e) => e.share))).toBeCloseTo((own.length - 1) / own.length);
    const undated = { ...data, times: new Float64Array(data.users.length).fill(latest) };
    expect(recencyShares(undated, x).every((s) => s === 0)).toBe(true);
  });

  it('a boost moves the list towards what the user took last', async () => {
    const { model: plain } = await trainItemModel(data, { ...fixed, recency: { boost: 0 } });
    const { model: boosted } = await trainItemModel(data, { ...fixed, recency: { boost: 4 } });
    const top = (m: typeof plain) => recommendItems(m, history, { count: 10 }).map((r) => r.item);
    expect(fromCommunity1(top(boosted))).toBeGreaterThan(fromCommunity1(top(plain)));
  });

  it('tuning keeps plain votes when the data has no distinct times', async () => {
    const undated = { ...data, times: new Float64Array(data.users.length).fill(latest) };
    const { report } = await trainItemModel(undated, { ranker: { enabled: false } });
    expect(report.config.recency.boost).toBe(0);
    expect(report.tuning.some((t) => 'boost' in t.setting)).toBe(false);
  });

  it('tuning picks no boost that loses on any carve-out', async () => {
    const { report } = await trainItemModel(data, { ranker: { enabled: false } });
    const plain = report.tuning.filter((t) => !('boost' in t.setting)).reduce((a, b) => (b.randomObjective > a.randomObjective ? b : a));
    const boosts = report.tuning.filter((t) => 'boost' in t.setting);
    // Three random carve-outs (a small catalogue) and the latest fifth.
    expect(plain.objectives).toHaveLength(4);
    expect(boosts.length).toBeGreaterThan(0);
    const chosen = boosts.find((t) => t.setting.boost === report.config.recency.boost) ?? plain;
    chosen.objectives.forEach((o, c) => expect(o).toBeGreaterThanOrEqual(plain.objectives[c]));
    for (const t of boosts) if (t.objectives.every((o, c) => o >= plain.objectives[c])) expect(chosen.objective).toBeGreaterThanOrEqual(t.objective);
  });
});
