/**
 * The one shape every public dataset is read into, shared by `npm run import` (into the
 * database) and `npm run eval` (straight from the files). Readers stream their files and
 * never hold a whole file in memory; consumers decide about duplicates.
 */

export const DATASET_NAMES = ['lastfm', 'movielens-100k', 'filmtrust', 'ciao', 'epinions', 'facebook-ego'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

/** A line that could not be used: reported with its place, never fatal. */
export interface ParseIssue {
  file: string;
  line: number;
  reason: string;
}

export interface DatasetUser {
  externalId: string;
}

export interface DatasetItem {
  externalId: string;
  title: string;
  category: string | null;
  tags: string[];
}

export interface DatasetInteraction {
  user: string;
  item: string;
  /** RATE for explicit ratings, PLAY for Last.fm play counts. */
  type: 'RATE' | 'PLAY';
  value: number;
  /** Absent when the dataset has no timestamps. */
  time: Date | null;
}

/** A social edge. `mutual` edges (friendships) are stored as follows in both directions. */
export interface DatasetEdge {
  from: string;
  to: string;
  mutual: boolean;
}

export interface DatasetReader {
  readonly name: DatasetName;
  readonly dir: string;
  /** Every user id that occurs anywhere in the dataset. */
  users(): AsyncIterable<DatasetUser>;
  items(): AsyncIterable<DatasetItem>;
  interactions(): AsyncIterable<DatasetInteraction>;
  edges(): AsyncIterable<DatasetEdge>;
  /** Malformed or skipped lines seen so far, across all iterations. */
  readonly issues: ParseIssue[];
}
