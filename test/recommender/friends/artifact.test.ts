import { deserializeFriendModel, serializeFriendModel } from '../../../src/recommender/friends/artifact';
import { mutualFollows } from '../../../src/recommender/friends/data';
import { trainFriendModel } from '../../../src/recommender/train/friends/trainer';
import { createFriendSuggester, suggest } from '../../../src/recommender/friends/suggest';
import { FAST_TRAINING, plantedGraph } from './planted';

describe('friend model artifact', () => {
  const graph = plantedGraph({ seed: 5 });
  const data = {
    numUsers: graph.numUsers,
    follows: mutualFollows(graph.numUsers, graph.edgeA, graph.edgeB),
    interactions: graph.interactions,
  };

  it('round-trips to identical suggestions and scores', async () => {
    const model = await trainFriendModel(data, { seed: 2, ...FAST_TRAINING });
    const bytes = serializeFriendModel(model);
    const restored = deserializeFriendModel(bytes);
    expect(restored.candidates).toEqual(model.candidates);
    expect(restored.validation).toEqual(model.validation);
    const before = createFriendSuggester(model, data);
    const after = createFriendSuggester(restored, data);
    for (const user of [0, 17, 101, 250]) {
      expect(suggest(after, user, 20)).toEqual(suggest(before, user, 20));
    }
    // A second serialisation is byte-identical.
    expect(serializeFriendModel(restored)).toEqual(bytes);
  });

  it('rejects foreign, truncated and padded bytes', async () => {
    const model = await trainFriendModel(data, { seed: 2, ...FAST_TRAINING, ranker: { ...FAST_TRAINING.ranker, epochs: 1 } });
    const bytes = serializeFriendModel(model);
    expect(() => deserializeFriendModel(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))).toThrow(/magic/);
    expect(() => deserializeFriendModel(bytes.subarray(0, bytes.length - 4))).toThrow(/truncated/);
    const padded = new Uint8Array(bytes.length + 4);
    padded.set(bytes);
    expect(() => deserializeFriendModel(padded)).toThrow(/trailing/);
  });
});
