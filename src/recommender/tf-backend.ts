/**
 * Chooses the TensorFlow.js backend on first use, never at import time: tfjs-node when it
 * is installed (native, fastest), else the WebAssembly backend, else the pure-JS cpu one.
 * The wasm backend lacks gradients of gather (UnsortedSegmentSum), so trainers feed dense
 * batches.
 */
import type * as Tf from '@tensorflow/tfjs';

export interface TfRuntime {
  tf: typeof Tf;
  backend: string;
}

let selected: Promise<TfRuntime> | null = null;

export function loadTf(): Promise<TfRuntime> {
  selected ??= select();
  return selected;
}

/**
 * The backend in use, or the one select() would try first, without loading TensorFlow.js:
 * training runs in a child process, and loading the wasm backend only to name it cost a
 * serving process about 70 MB.
 */
export async function backendName(): Promise<string> {
  if (selected) return (await selected).backend;
  for (const [name, backend] of [['@tensorflow/tfjs-node', 'tensorflow'], ['@tensorflow/tfjs-backend-wasm', 'wasm']] as const) {
    try {
      require.resolve(name);
      return backend;
    } catch {
      // not installed
    }
  }
  return 'cpu';
}

async function select(): Promise<TfRuntime> {
  const native = tryRequire('@tensorflow/tfjs-node');
  if (native) {
    const tf = native as typeof Tf;
    await tf.ready();
    return { tf, backend: tf.getBackend() };
  }
  const tf = require('@tensorflow/tfjs') as typeof Tf;
  if (tryRequire('@tensorflow/tfjs-backend-wasm')) {
    try {
      if (await tf.setBackend('wasm')) {
        await tf.ready();
        return { tf, backend: 'wasm' };
      }
    } catch {
      // fall through to cpu: the wasm binary may be missing or fail to instantiate
    }
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return { tf, backend: 'cpu' };
}

function tryRequire(name: string): unknown {
  try {
    return require(name);
  } catch {
    return null;
  }
}
