/**
 * Picks the reader for a dataset name and checks its folder before any file is read. The one
 * place that decides where a dataset lives (--dir, else DATASETS_DIR/<folder>), for both
 * `npm run import` and `npm run eval`.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

import { datasetsDirFrom } from '../config';

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

/** A dataset folder or file that is not where it was looked for: the user's to fix, so CLIs print it as one line. */
export class DatasetNotFoundError extends Error {}

/** The folder name a dataset is expected under inside DATASETS_DIR. */
export function datasetFolder(name: DatasetName): string {
  return SOURCES[name].folder;
}

/** Where a dataset's files live unless --dir says otherwise: DATASETS_DIR/<folder>. */
export function defaultDatasetDir(name: DatasetName, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(datasetsDirFrom(env), SOURCES[name].folder);
}

const HOW_TO_POINT = 'pass --dir PATH or set DATASETS_DIR (see docs/datasets.md)';

/** Throws DatasetNotFoundError (with the path, what is missing and how to point elsewhere) before reading. */
export function openDataset(name: DatasetName, dir: string = defaultDatasetDir(name)): DatasetReader {
  const source = SOURCES[name];
  const resolved = path.resolve(dir);
  if (!existsSync(resolved) || !statSync(resolved).isDirectory()) {
    throw new DatasetNotFoundError(
      `Dataset '${name}': folder ${resolved} does not exist (expected the ${source.folder} files); ${HOW_TO_POINT}`,
    );
  }
  const missing = source.required.filter((alternatives) => findFile(resolved, alternatives) === null);
  if (missing.length > 0) {
    const names = missing.map((alternatives) => alternatives.join(' or ')).join(', ');
    throw new DatasetNotFoundError(`Dataset '${name}': missing ${names} in ${resolved}; ${HOW_TO_POINT}`);
  }
  return source.read(resolved);
}
