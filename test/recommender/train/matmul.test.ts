import type * as Tf from '@tensorflow/tfjs';

import { loadTf } from '../../../src/recommender/tf-backend';
import { trainableMatMul } from '../../../src/recommender/train/matmul';

// The rankers train through this product: its value and both gradients must be tf.matMul's.
describe('trainableMatMul', () => {
  it('gives tf.matMul and its gradients', async () => {
    const { tf } = await loadTf();
    const matMul = trainableMatMul(tf);
    const a = tf.randomNormal<Tf.Rank.R2>([37, 5], 0, 1, 'float32', 3);
    const b = tf.randomNormal<Tf.Rank.R2>([5, 4], 0, 1, 'float32', 4);
    const weights = tf.randomNormal([37, 4], 0, 1, 'float32', 5);
    const lossThrough = (product: (x: Tf.Tensor, y: Tf.Tensor) => Tf.Tensor) => (x: Tf.Tensor, y: Tf.Tensor) =>
      tf.sum(tf.mul(tf.relu(product(x, y)), weights)) as Tf.Scalar;
    const ours = tf.grads(lossThrough(matMul))([a, b]);
    const theirs = tf.grads(lossThrough((x, y) => tf.matMul(x as Tf.Tensor2D, y as Tf.Tensor2D)))([a, b]);
    expect(Array.from(matMul(a, b).dataSync())).toEqual(Array.from(tf.matMul(a, b).dataSync()));
    for (let g = 0; g < 2; g++) {
      const got = ours[g].dataSync();
      const want = theirs[g].dataSync();
      expect(got.length).toBe(want.length);
      want.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 4));
    }
  });
});
