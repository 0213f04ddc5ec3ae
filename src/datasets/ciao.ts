/** Ciao (Tang et al.): ratings with day-level timestamps (user, product, category, rating, helpfulness, time). */
import { readTangRelease } from './tang';
import type { DatasetReader } from './types';

export const CIAO_FILES = ['ratings.tsv', 'trust.tsv', 'categories.tsv'] as const;

export function readCiao(dir: string): DatasetReader {
  return readTangRelease(dir, { name: 'ciao', ratingsFile: 'ratings.tsv', columns: 6, timeColumn: 5 });
}
