/** Picks the reader for a dataset name and checks its folder before any file is read. */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

import { CIAO_FILES, readCiao } from './ciao';
import { EPINIONS_FILES, EPINIONS_RATINGS_FILES, readEpinions } from './epinions';
import { FACEBOOK_FILES, readFacebook } from './facebook';
import { FILMTRUST_FILES, readFilmtrust } from './filmtrust';
import { LASTFM_FILES, readLastfm } from './lastfm';
import { findFile } from './lines';
import { MOVIELENS_FILES, readMovielens } from './movielens';
import type { DatasetName, DatasetReader } from './types';

interface DatasetSource {
  folder: string;
  /** Each entry is a list of alternatives: one of them must exist. */
  required: readonly (readonly string[])[];
  read(dir: string): DatasetReader;
}

const each = (files: readonly string[]) => files.map((file) => [file]);

const SOURCES: Record<DatasetName, DatasetSource> = {
  lastfm: { folder: 'lastfm-hetrec2011', required: each(LASTFM_FILES), read: readLastfm },
  'movielens-100k': { folder: 'movielens-100k', required: each(MOVIELENS_FILES), read: readMovielens },
  filmtrust: { folder: 'filmtrust', required: each(FILMTRUST_FILES), read: readFilmtrust },
  ciao: { folder: 'ciao', required: each(CIAO_FILES), read: readCiao },
  epinions: {
    folder: 'epinions',
    required: [EPINIONS_RATINGS_FILES, ...each(EPINIONS_FILES)],
    read: readEpinions,
  },
  'facebook-ego': { folder: 'facebook-ego', required: each(FACEBOOK_FILES), read: readFacebook },
};

/** Where a dataset's files live by default: the shared folder next to the checkout. */
export function defaultDatasetDir(name: DatasetName): string {
  return path.resolve(process.cwd(), '../shared/datasets', SOURCES[name].folder);
}

/** Throws (with the path and what is missing) when the folder or a required file is absent. */
export function openDataset(name: DatasetName, dir: string = defaultDatasetDir(name)): DatasetReader {
  const source = SOURCES[name];
  const resolved = path.resolve(dir);
  if (!existsSync(resolved) || !statSync(resolved).isDirectory()) {
    throw new Error(`Dataset '${name}': folder ${resolved} does not exist (expected the ${source.folder} files)`);
  }
  const missing = source.required.filter((alternatives) => findFile(resolved, alternatives) === null);
  if (missing.length > 0) {
    const names = missing.map((alternatives) => alternatives.join(' or ')).join(', ');
    throw new Error(`Dataset '${name}': missing ${names} in ${resolved}`);
  }
  return source.read(resolved);
}
