/**
 * Epinions (Tang et al.): ratings without timestamps (user, product, category, rating: no
 * helpfulness column, despite the readme), in ratings.tsv.gz or an unpacked ratings.tsv;
 * the trust network has self-loops and repeated rows.
 */
import { findFile } from './lines';
import { readTangRelease } from './tang';
import type { DatasetReader } from './types';

export const EPINIONS_RATINGS_FILES = ['ratings.tsv.gz', 'ratings.tsv'] as const;
export const EPINIONS_FILES = ['trust.tsv', 'categories.tsv'] as const;

export function readEpinions(dir: string): DatasetReader {
  const ratingsFile = findFile(dir, EPINIONS_RATINGS_FILES) ?? EPINIONS_RATINGS_FILES[0];
  return readTangRelease(dir, { name: 'epinions', ratingsFile, columns: 4, timeColumn: null });
}
