import { F, NUM_FEATURES } from '../../../../src/recommender/items/features';
import { resolveConfig } from '../../../../src/recommender/items/model';
import { stoppingQuality, trainRanker, type RankerExample } from '../../../../src/recommender/train/items/ranker-train';

/**
 * 40 candidates whose positives are the three with the largest value of one feature that is
 * not the item-item share. Every user gets this same example, so the stopping users' mean
 * quality is this example's quality whichever users are set aside for stopping.
 */
function plantedExample(): RankerExample {
  const count = 40;
  const telling = (F.itemItemShare + 1) % NUM_FEATURES;
  const features = Float32Array.from({ length: count * NUM_FEATURES }, (_, i) => ((i * 7919) % 997) / 997);
  const byTelling = Array.from({ length: count }, (_, c) => c).sort((a, b) => features[b * NUM_FEATURES + telling] - features[a * NUM_FEATURES + telling]);
  const labels = new Uint8Array(count);
  for (const c of byTelling.slice(0, 3)) labels[c] = 1;
  return { features, labels };
}

describe('item ranker training', () => {
  it('records for its epochs the stopping quality that its weights have, and serves the epoch that learned the planted feature', async () => {
    const example = plantedExample();
    const settings = { ...resolveConfig({}).ranker, epochs: 30, minEpochs: 30, learningRate: 0.05, seed: 5 };
    const result = await trainRanker(Array.from({ length: 40 }, () => example), NUM_FEATURES, settings);
    const itemItem = stoppingQuality([example], result.itemItemOrder)[0];
    const served = stoppingQuality([example], result.weights)[0];
    expect(result.qualityByEpoch[0]).toBeCloseTo(itemItem, 5);
    expect(result.bestEpoch).toBeGreaterThan(0);
    expect(Math.max(...result.qualityByEpoch)).toBeCloseTo(served, 5);
    expect(served).toBeGreaterThan(itemItem + 0.2);
  });
});
