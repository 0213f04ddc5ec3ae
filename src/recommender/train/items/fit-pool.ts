/**
 * Threads that fit item-item models and sources for one training run, so tuning's trials run
 * side by side and the full fits overlap the ranker's training. On a 2-core machine the run
 * uses the core the other kind's training leaves idle. The fits are pure functions of typed
 * arrays, so a thread's answer equals the same fit on the calling thread.
 */
import os from 'node:os';
import path from 'node:path';
import Piscina from 'piscina';
import type { Interactions, ItemTrainingData } from '../../items/data';
import type { ItemModel, ItemModelConfig } from '../../items/model';
import type { FitTask } from './fit-thread';
import type { ItemItemFit } from './trainer';

export interface FitPool {
  fitItemItem(x: Interactions, numItems: number, config: ItemModelConfig): Promise<ItemItemFit>;
  fitSources(data: ItemTrainingData, config: ItemModelConfig): Promise<ItemModel>;
  close(): Promise<void>;
}

/** Threads beyond two gain nothing on the machines we run on and cost a TF.js backend each. */
const MAX_THREADS = 2;

export function createFitPool(threads = Math.min(MAX_THREADS, os.availableParallelism())): FitPool {
  const fromSource = __filename.endsWith('.ts');
  const pool = new Piscina({
    filename: path.join(__dirname, fromSource ? 'fit-thread.ts' : 'fit-thread.js'),
    execArgv: fromSource ? ['--require', 'tsx/cjs'] : [],
    minThreads: 0,
    maxThreads: Math.max(1, threads),
    // A thread kept between tasks keeps its TF.js backend loaded.
    idleTimeout: 60_000,
  });
  return {
    fitItemItem: (x, numItems, config) => pool.run({ task: 'fitItemItem', x, numItems, config } satisfies FitTask),
    fitSources: (data, config) => pool.run({ task: 'fitSources', data, config } satisfies FitTask),
    close: () => pool.destroy(),
  };
}
