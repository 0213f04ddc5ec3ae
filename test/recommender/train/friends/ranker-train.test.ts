import { mutualFollows } from '../../../../src/recommender/friends/data';
import { scoreRows } from '../../../../src/recommender/friends/ranker';
import { trainRanker, type RankerTrainingSet } from '../../../../src/recommender/train/friends/ranker-train';
import { trainFriendModel } from '../../../../src/recommender/train/friends/trainer';
import { FAST_TRAINING, plantedGraph } from '../../friends/planted';

/** Two groups of 4 candidates; the positive is the candidate with the largest first feature. */
function toySet(): RankerTrainingSet {
  const features = Float32Array.from({ length: 8 * 3 }, (_, i) => ((i * 7919) % 13) / 13);
  const labels = new Uint8Array(8);
  for (const group of [0, 4]) {
    let best = group;
    for (let r = group; r < group + 4; r++) if (features[r * 3] > features[best * 3]) best = r;
    labels[best] = 1;
  }
  return { numFeatures: 3, features, labels, groupOffsets: Int32Array.from([0, 4, 8]) };
}

const OPTIONS = { hidden: [4], loss: 'listwise' as const, epochs: 3, maxSteps: 100, learningRate: 0.05, batchGroups: 1, l2: 0, seed: 3 };

describe('trainRanker', () => {
  it('continues from the start ranker: with no learning its weights and standardisation come back unchanged', async () => {
    const set = toySet();
    const start = await trainRanker(set, OPTIONS);
    const resumed = await trainRanker(set, { ...OPTIONS, learningRate: 0 }, start);
    expect(resumed.mean).toEqual(start.mean);
    expect(resumed.invStd).toEqual(start.invStd);
    resumed.layers.forEach((layer, i) => {
      expect(Array.from(layer.weights)).toEqual(Array.from(start.layers[i].weights).map((w) => expect.closeTo(w, 4)));
      expect(Array.from(layer.bias)).toEqual(Array.from(start.layers[i].bias).map((b) => expect.closeTo(b, 4)));
    });
    const again = await trainRanker(set, OPTIONS, start);
    expect(Array.from(again.layers[0].weights)).not.toEqual(Array.from(start.layers[0].weights));
  });

  it('is deterministic for a seed', async () => {
    const set = toySet();
    const a = await trainRanker(set, OPTIONS);
    const b = await trainRanker(set, OPTIONS);
    expect(scoreRows(a, set.features, 8)).toEqual(scoreRows(b, set.features, 8));
  });
});

describe('trainFriendModel warm start', () => {
  it('continues from warmStart.ranker and records the time of each part', async () => {
    const graph = plantedGraph({ seed: 7 });
    const data = { numUsers: graph.numUsers, follows: mutualFollows(graph.numUsers, graph.edgeA, graph.edgeB), interactions: graph.interactions };
    const first = await trainFriendModel(data, { seed: 1, ...FAST_TRAINING });
    const millis: Record<string, number> = {};
    const frozen = await trainFriendModel(
      data,
      { seed: 1, ...FAST_TRAINING, ranker: { ...FAST_TRAINING.ranker, learningRate: 0 }, warmStart: { ranker: first.ranker, epochs: 2 } },
      millis,
    );
    expect(frozen.ranker.mean).toEqual(first.ranker.mean);
    expect(Array.from(frozen.ranker.layers[1].weights)).toEqual(Array.from(first.ranker.layers[1].weights).map((w) => expect.closeTo(w, 4)));
    expect(Object.keys(millis).sort()).toEqual(['examples', 'ranker', 'validation']);
  });
});
