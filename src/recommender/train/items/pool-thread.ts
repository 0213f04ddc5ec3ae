/** A training pool thread's tasks (pool.ts): the same work as on the calling thread. */
import type { Interactions, ItemTrainingData } from '../../items/data';
import type { ItemModel, ItemModelConfig } from '../../items/model';
import type { CanonicalHistory } from '../../items/stored-lists';
import { LoadedItemModel } from '../../serve/items';
import { denseInverse, fitItemItem, fitSources } from './trainer';

export type PoolTask =
  | { task: 'fitItemItem'; x: Interactions; numItems: number; config: ItemModelConfig }
  | { task: 'fitSources'; data: ItemTrainingData; config: ItemModelConfig }
  | { task: 'lists'; model: ItemModel; histories: CanonicalHistory[] };

export default async function run(job: PoolTask) {
  if (job.task === 'lists') return LoadedItemModel.precompute(job.model, job.histories);
  const inverse = await denseInverse();
  return job.task === 'fitItemItem' ? fitItemItem(job.x, job.numItems, job.config, inverse) : fitSources(job.data, job.config, undefined, inverse);
}
