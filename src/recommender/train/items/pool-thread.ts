/** A training pool thread's tasks (pool.ts): the same work as on the calling thread. */
import type { Interactions, ItemTrainingData } from '../../items/data';
import type { ItemModel, ItemModelConfig } from '../../items/model';
import type { CanonicalHistory } from '../../items/stored-lists';
import { LoadedItemModel } from '../../serve/items';
import type { Snapshot } from '../../snapshot';
import type { ItemSplit } from '../data';
import { evaluateItemModel } from '../evaluate';
import { denseInverse, fitItemItem, fitSources } from './trainer';

export type PoolTask =
  | { task: 'fitItemItem'; x: Interactions; numItems: number; config: ItemModelConfig }
  | { task: 'fitSources'; data: ItemTrainingData; config: ItemModelConfig }
  | { task: 'lists'; model: ItemModel; histories: CanonicalHistory[] }
  | { task: 'evaluate'; model: ItemModel; snapshot: Snapshot; split: ItemSplit };

export default async function run(job: PoolTask) {
  if (job.task === 'lists') return LoadedItemModel.precompute(job.model, job.histories);
  if (job.task === 'evaluate') return evaluateItemModel(new LoadedItemModel(job.model, job.snapshot.userIds, job.snapshot.itemIds), job.snapshot, job.split);
  const inverse = await denseInverse();
  return job.task === 'fitItemItem' ? fitItemItem(job.x, job.numItems, job.config, inverse) : fitSources(job.data, job.config, undefined, inverse);
}
