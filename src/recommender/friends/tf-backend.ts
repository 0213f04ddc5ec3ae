/**
 * Minimal TensorFlow.js backend selection for friend-ranker training until the shared
 * src/recommender/tf-backend.ts lands: wasm when it initialises, else the plain cpu backend.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

let selected: Promise<string> | null = null;

export function initTfBackend(): Promise<string> {
  selected ??= (async () => {
    for (const name of ['wasm', 'cpu']) {
      try {
        if (await tf.setBackend(name)) {
          await tf.ready();
          return tf.getBackend();
        }
      } catch {
        // Try the next backend; cpu is always available.
      }
    }
    throw new Error('No TensorFlow.js backend could be initialised');
  })();
  return selected;
}
