/**
 * The Tang, Gao and Liu trust releases (Ciao, Epinions) share one layout: tab-separated
 * ratings (user, product, category, rating, ...), a directed trust network and a category
 * catalogue, without headers. They differ in the ratings file and its columns.
 */
import { IssueLog, addIfNew, isId, parseNumber, parseUnixSeconds, readRecords } from './lines';
import type { DatasetEdge, DatasetInteraction, DatasetItem, DatasetName, DatasetReader, DatasetUser } from './types';

const TAB = { separator: '\t' } as const;

export interface TangLayout {
  name: DatasetName;
  ratingsFile: string;
  columns: number;
  /** Column of the Unix-seconds timestamp, or null when the release has none. */
  timeColumn: number | null;
}

interface TangRating extends DatasetInteraction {
  category: string;
}

export function readTangRelease(dir: string, layout: TangLayout): DatasetReader {
  const log = new IssueLog();
  const file = layout.ratingsFile;

  async function* ratings(): AsyncGenerator<TangRating> {
    for await (const { line, fields } of readRecords(dir, file, { ...TAB, columns: layout.columns }, log)) {
      const [user, item, category, ratingField] = fields;
      const value = parseNumber(ratingField);
      const time = layout.timeColumn === null ? null : parseUnixSeconds(fields[layout.timeColumn]);
      if (!isId(user) || !isId(item) || !isId(category)) log.report(file, line, 'non-numeric id');
      else if (value === null) log.report(file, line, 'non-numeric rating');
      else if (layout.timeColumn !== null && time === null) log.report(file, line, 'bad timestamp');
      else yield { user, item, category, type: 'RATE', value, time };
    }
  }

  async function* trust(): AsyncGenerator<DatasetEdge> {
    for await (const { line, fields } of readRecords(dir, 'trust.tsv', { ...TAB, columns: 2 }, log)) {
      const [from, to] = fields;
      if (!isId(from) || !isId(to)) log.report('trust.tsv', line, 'non-numeric id');
      else if (from === to) log.report('trust.tsv', line, 'self-loop');
      else yield { from, to, mutual: false };
    }
  }

  async function categoryNames(): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    for await (const { line, fields } of readRecords(dir, 'categories.tsv', { ...TAB, columns: 2 }, log)) {
      const [id, name] = fields;
      if (isId(id) && name.trim() !== '') names.set(id, name.trim());
      else log.report('categories.tsv', line, 'bad category row');
    }
    return names;
  }

  return {
    name: layout.name,
    dir,
    issues: log.issues,

    async *users(): AsyncGenerator<DatasetUser> {
      const seen = new Set<string>();
      for await (const { user } of ratings()) if (addIfNew(seen, user)) yield { externalId: user };
      for await (const { from, to } of trust()) {
        if (addIfNew(seen, from)) yield { externalId: from };
        if (addIfNew(seen, to)) yield { externalId: to };
      }
    },

    async *items(): AsyncGenerator<DatasetItem> {
      const names = await categoryNames();
      const seen = new Set<string>();
      // A product's category is the one on its first rating row.
      for await (const { item, category } of ratings()) {
        if (addIfNew(seen, item)) {
          yield { externalId: item, title: `Product ${item}`, category: names.get(category) ?? null, tags: [] };
        }
      }
    },

    async *interactions(): AsyncGenerator<DatasetInteraction> {
      for await (const { user, item, type, value, time } of ratings()) yield { user, item, type, value, time };
    },

    edges: trust,
  };
}
