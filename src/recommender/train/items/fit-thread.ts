/** A FitPool thread's tasks (fit-pool.ts): the same fits as on the calling thread. */
import type { Interactions, ItemTrainingData } from '../../items/data';
import type { ItemModelConfig } from '../../items/model';
import { denseInverse, fitItemItem, fitSources } from './trainer';

export type FitTask =
  | { task: 'fitItemItem'; x: Interactions; numItems: number; config: ItemModelConfig }
  | { task: 'fitSources'; data: ItemTrainingData; config: ItemModelConfig };

export default async function run(job: FitTask) {
  const inverse = await denseInverse();
  return job.task === 'fitItemItem' ? fitItemItem(job.x, job.numItems, job.config, inverse) : fitSources(job.data, job.config, undefined, inverse);
}
