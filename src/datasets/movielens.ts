/**
 * MovieLens 100K: timestamped 1-5 ratings (u.data, tab-separated), movies with genre flags
 * (u.item, `|`-separated, Latin-1), users (u.user). No social graph.
 */
import { IssueLog, addIfNew, isId, parseNumber, parseUnixSeconds, readRecords } from './lines';
import type { DatasetEdge, DatasetInteraction, DatasetItem, DatasetReader, DatasetUser } from './types';

export const MOVIELENS_FILES = ['u.data', 'u.item', 'u.user', 'u.genre'] as const;

/** u.item: id, title, release date, video release date, IMDb URL, then one flag per genre. */
const ITEM_FIXED_FIELDS = 5;
const GENRE_COUNT = 19;

export function readMovielens(dir: string): DatasetReader {
  const log = new IssueLog();

  async function* ratings(): AsyncGenerator<DatasetInteraction> {
    for await (const { line, fields } of readRecords(dir, 'u.data', { separator: '\t', columns: 4 }, log)) {
      const [user, item, ratingField, timeField] = fields;
      const value = parseNumber(ratingField);
      const time = parseUnixSeconds(timeField);
      if (!isId(user) || !isId(item)) log.report('u.data', line, 'non-numeric id');
      else if (value === null) log.report('u.data', line, 'non-numeric rating');
      else if (time === null) log.report('u.data', line, 'bad timestamp');
      else yield { user, item, type: 'RATE', value, time };
    }
  }

  /** Genre names by flag position; u.genre lists `name|index`. */
  async function genres(): Promise<string[]> {
    const names: string[] = [];
    for await (const { line, fields } of readRecords(dir, 'u.genre', { separator: '|', columns: 2 }, log)) {
      const [name, index] = fields;
      if (isId(index) && Number(index) < GENRE_COUNT) names[Number(index)] = name;
      else log.report('u.genre', line, 'bad genre index');
    }
    return names;
  }

  return {
    name: 'movielens-100k',
    dir,
    issues: log.issues,

    async *users(): AsyncGenerator<DatasetUser> {
      const seen = new Set<string>();
      for await (const { line, fields } of readRecords(dir, 'u.user', { separator: '|', columns: 5 }, log)) {
        const [id] = fields;
        if (!isId(id)) log.report('u.user', line, 'non-numeric id');
        else if (addIfNew(seen, id)) yield { externalId: id };
      }
      // Raters missing from u.user (none in the published files) are users too.
      for await (const { user } of ratings()) if (addIfNew(seen, user)) yield { externalId: user };
    },

    async *items(): AsyncGenerator<DatasetItem> {
      const genreNames = await genres();
      const seen = new Set<string>();
      const options = { separator: '|', columns: ITEM_FIXED_FIELDS + GENRE_COUNT, encoding: 'latin1' } as const;
      for await (const { line, fields } of readRecords(dir, 'u.item', options, log)) {
        const [id, title] = fields;
        const flags = fields.slice(ITEM_FIXED_FIELDS);
        if (!isId(id)) log.report('u.item', line, 'non-numeric id');
        else if (!flags.every((flag) => flag === '0' || flag === '1')) log.report('u.item', line, 'bad genre flag');
        else if (!addIfNew(seen, id)) log.report('u.item', line, 'duplicate movie id');
        else {
          const tags = flags.flatMap((flag, i) => (flag === '1' && genreNames[i] ? [genreNames[i]] : []));
          yield { externalId: id, title: title.trim() || `Movie ${id}`, category: tags[0] ?? null, tags };
        }
      }
      for await (const { item } of ratings()) {
        if (addIfNew(seen, item)) yield { externalId: item, title: `Movie ${item}`, category: null, tags: [] };
      }
    },

    interactions: ratings,

    async *edges(): AsyncGenerator<DatasetEdge> {},
  };
}
