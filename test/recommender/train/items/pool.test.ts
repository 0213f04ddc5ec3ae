import { holdOut } from '../../../../src/recommender/eval/split';
import { buildInteractions } from '../../../../src/recommender/items/data';
import { canonicalHistory } from '../../../../src/recommender/items/stored-lists';
import { LoadedItemModel } from '../../../../src/recommender/serve/items';
import { createTrainingPool, type TrainingPool } from '../../../../src/recommender/train/items/pool';
import { resolveConfig } from '../../../../src/recommender/items/model';
import { carveValidation, denseInverse, fitItemItem, fitSources, trainItemModel, tuneItemItem } from '../../../../src/recommender/train/items/trainer';
import { plantedCommunities, trainingData } from '../../items/synthetic';

// The pool's threads must give exactly what the same work gives on the calling thread: the
// pipeline trains with it and the offline evaluation without it.
const planted = plantedCommunities();
const split = holdOut(planted.pairs, { mode: 'random', seed: 11 });
const data = trainingData(planted, split.train);
let pool: TrainingPool;

beforeAll(() => {
  pool = createTrainingPool(2);
});
afterAll(() => pool.close());

describe('training pool', () => {
  it('fits the item-item model and the sources as this thread does', async () => {
    const config = resolveConfig({});
    const x = buildInteractions(data);
    const inverse = await denseInverse();
    expect(await pool.fitItemItem(x, data.numItems, config)).toEqual(fitItemItem(x, data.numItems, config, inverse));
    expect(await pool.fitSources(data, config)).toEqual(fitSources(data, config, undefined, inverse));
  });

  it('tunes to the same setting and trials', async () => {
    const config = resolveConfig({});
    const carveOuts = [carveValidation(data, 3)];
    const here = await tuneItemItem(carveOuts, config, await denseInverse());
    const there = await tuneItemItem(carveOuts, config, undefined, pool);
    expect(there.config).toEqual(here.config);
    expect(there.trials.map((t) => [t.setting, t.objectives])).toEqual(here.trials.map((t) => [t.setting, t.objectives]));
    expect(here.trials.length).toBeGreaterThanOrEqual(5);
    expect(there.bestFits).toEqual(here.bestFits);
  });

  it('ranks every user the same in two halves', async () => {
    const { model } = await trainItemModel(data, { ranker: { epochs: 2, rowsPerEpoch: 2000 } });
    const x = buildInteractions(data);
    const histories = Array.from({ length: data.numUsers }, (_, u) =>
      canonicalHistory({ user: u, items: Array.from(x.byUser.indices.subarray(x.byUser.indptr[u], x.byUser.indptr[u + 1])) }),
    ).filter((h) => h.items.length > 0);
    expect(await pool.lists(model, histories)).toEqual(LoadedItemModel.precompute(model, histories));
  });
});
