/**
 * Threads for one ITEMS training run: tuning's trials run side by side, the full fits overlap
 * the ranker's training and the gate evaluation, and every user's list is ranked in two
 * halves. On a 2-core machine the run uses the core the other kind's training leaves idle.
 * Every task is a pure function of plain data, so its answer equals the same work done on
 * the calling thread.
 */
import os from 'node:os';
import path from 'node:path';
import Piscina from 'piscina';
import type { Interactions, ItemTrainingData } from '../../items/data';
import type { ItemModel, ItemModelConfig } from '../../items/model';
import type { CanonicalHistory, StoredLists } from '../../items/stored-lists';
import { LoadedItemModel } from '../../serve/items';
import type { Snapshot } from '../../snapshot';
import type { ItemSplit } from '../data';
import type { ValidationMetrics } from '../evaluate';
import type { PoolTask } from './pool-thread';
import type { ItemItemFit } from './trainer';

export interface TrainingPool {
  fitItemItem(x: Interactions, numItems: number, config: ItemModelConfig): Promise<ItemItemFit>;
  fitSources(data: ItemTrainingData, config: ItemModelConfig): Promise<ItemModel>;
  /** Every user's stored list (LoadedItemModel.precompute), half of them ranked on a pool thread. */
  lists(model: ItemModel, histories: CanonicalHistory[]): Promise<StoredLists>;
  /** evaluateItemModel of `model` as it would serve the snapshot's users. */
  evaluate(model: ItemModel, snapshot: Snapshot, split: ItemSplit): Promise<ValidationMetrics>;
  close(): Promise<void>;
}

/** Threads beyond two gain nothing on the machines we run on and cost a TF.js backend each. */
const MAX_THREADS = 2;

export function createTrainingPool(threads = Math.min(MAX_THREADS, os.availableParallelism())): TrainingPool {
  const fromSource = __filename.endsWith('.ts');
  const pool = new Piscina({
    filename: path.join(__dirname, fromSource ? 'pool-thread.ts' : 'pool-thread.js'),
    execArgv: fromSource ? ['--require', 'tsx/cjs'] : [],
    minThreads: 0,
    maxThreads: Math.max(1, threads),
    // A thread kept between tasks keeps its TF.js backend loaded.
    idleTimeout: 60_000,
  });
  const run = <T>(task: PoolTask): Promise<T> => pool.run(task);
  return {
    fitItemItem: (x, numItems, config) => run({ task: 'fitItemItem', x, numItems, config }),
    fitSources: (data, config) => run({ task: 'fitSources', data, config }),
    async lists(model, histories) {
      const half = Math.ceil(histories.length / 2);
      const halves = [histories.slice(0, half), histories.slice(half)];
      const far = run<StoredLists>({ task: 'lists', model, histories: halves[1] });
      far.catch(() => undefined);
      const near = LoadedItemModel.precompute(model, halves[0]);
      return joinLists(model.numUsers, [near, await far], halves);
    },
    evaluate: (model, snapshot, split) => run({ task: 'evaluate', model, snapshot, split }),
    close: () => pool.destroy(),
  };
}

/** One StoredLists from parts that each ranked the users of its histories (the others empty). */
function joinLists(numUsers: number, parts: StoredLists[], covered: CanonicalHistory[][]): StoredLists {
  const owner = new Int32Array(numUsers).fill(-1);
  covered.forEach((histories, part) => histories.forEach((h) => (owner[h.user!] = part)));
  const indptr = new Int32Array(numUsers + 1);
  for (let u = 0; u < numUsers; u++) {
    const part = owner[u] >= 0 ? parts[owner[u]] : null;
    indptr[u + 1] = indptr[u] + (part ? part.indptr[u + 1] - part.indptr[u] : 0);
  }
  const items = new Int32Array(indptr[numUsers]);
  const scores = new Float64Array(items.length);
  const keys = new Int32Array(2 * numUsers);
  for (let u = 0; u < numUsers; u++) {
    if (owner[u] < 0) continue;
    const part = parts[owner[u]];
    items.set(part.items.subarray(part.indptr[u], part.indptr[u + 1]), indptr[u]);
    scores.set(part.scores.subarray(part.indptr[u], part.indptr[u + 1]), indptr[u]);
    keys[2 * u] = part.keys[2 * u];
    keys[2 * u + 1] = part.keys[2 * u + 1];
  }
  return { depth: parts[0].depth, indptr, items, scores, keys };
}
