import { holdOut } from '../../../src/recommender/eval/split';
import { deserialize, serialize } from '../../../src/recommender/items/artifact';
import { trainItemModel } from '../../../src/recommender/train/items/trainer';
import { explainItems, recommendItems } from '../../../src/recommender/items/scoring';
import { plantedCommunities, trainingData } from './synthetic';

describe('item model artifact', () => {
  it('round-trips to identical scores and explanations', async () => {
    const planted = plantedCommunities({ communities: 3, usersPerCommunity: 25 });
    const split = holdOut(planted.pairs, { mode: 'random', seed: 2 });
    const { model } = await trainItemModel(trainingData(planted, split.train), { ranker: { epochs: 3, rowsPerEpoch: 4000 } });
    expect(model.ranker).not.toBeNull();
    const bytes = serialize(model);
    // a copy at an odd offset: loading must not depend on the buffer's alignment
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    const loaded = deserialize(shifted.subarray(3));
    for (const user of [0, 10, 30, 60]) {
      const history = { user, items: [user % 30, (user + 7) % 30, 91], followees: [1, 2], friends: [1] };
      const a = recommendItems(model, history, { count: 15 });
      const b = recommendItems(loaded, history, { count: 15 });
      expect(b).toEqual(a);
      expect(explainItems(loaded, history, b)).toEqual(explainItems(model, history, a));
    }
  });

  it('rejects bytes that are not an item model', () => {
    expect(() => deserialize(new Uint8Array(16))).toThrow(/magic/);
    expect(() => deserialize(new Uint8Array(3))).toThrow(/short/);
  });
});
