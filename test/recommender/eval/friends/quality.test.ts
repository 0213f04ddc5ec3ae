import { evaluateFriendGraph, runFriendsEvaluation } from '../../../../src/recommender/eval/friends/evaluate';
import { FAST_TRAINING, plantedGraph } from '../../friends/planted';

describe('friend suggestion on planted ring communities', () => {
  it('beats degree popularity and common neighbours by a clear margin', async () => {
    const table = await evaluateFriendGraph(plantedGraph(), 'planted', { seed: 3, ks: [10], training: FAST_TRAINING });
    const recall = (prefix: string) => table.rows.find((r) => r.model.startsWith(prefix))!.recall[10];
    const model = recall('Learned ranker');
    expect(model).toBeGreaterThan(recall('Degree popularity') + 0.2);
    expect(model).toBeGreaterThan(recall('Common neighbours') + 0.15);
    expect(model).toBeGreaterThan(recall('Adamic-Adar'));
    expect(model).toBeGreaterThan(recall('Personalized PageRank'));
    expect(table.sizes.heldOut).toBe(Math.round(0.2 * table.sizes.friendships));
  });

  it('refuses datasets without a friendship graph', async () => {
    await expect(runFriendsEvaluation({ dataset: 'movielens-100k', seed: 1, ks: [10] })).rejects.toThrow(
      /no undirected friendship graph/,
    );
  });
});
