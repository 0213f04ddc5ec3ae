/**
 * Epinions (Tang et al.): product ratings without timestamps (ratings.tsv.gz, or an
 * unpacked ratings.tsv), a directed trust network with some self-loops and repeated rows,
 * and a category catalogue; all tab-separated without headers.
 */
import { IssueLog, addIfNew, findFile, isId, parseNumber, readRecords } from './lines';
import type { DatasetEdge, DatasetInteraction, DatasetItem, DatasetReader, DatasetUser } from './types';

export const EPINIONS_RATINGS_FILES = ['ratings.tsv.gz', 'ratings.tsv'] as const;
export const EPINIONS_FILES = ['trust.tsv', 'categories.tsv'] as const;

const TAB = { separator: '\t' } as const;

interface EpinionsRating extends DatasetInteraction {
  category: string;
}

export function readEpinions(dir: string): DatasetReader {
  const log = new IssueLog();
  const ratingsFile = findFile(dir, EPINIONS_RATINGS_FILES) ?? EPINIONS_RATINGS_FILES[0];

  /** Columns: user, product, category, rating (no helpfulness column, despite the readme). */
  async function* ratings(): AsyncGenerator<EpinionsRating> {
    for await (const { line, fields } of readRecords(dir, ratingsFile, { ...TAB, columns: 4 }, log)) {
      const [user, item, category, ratingField] = fields;
      const value = parseNumber(ratingField);
      if (!isId(user) || !isId(item) || !isId(category)) log.report(ratingsFile, line, 'non-numeric id');
      else if (value === null) log.report(ratingsFile, line, 'non-numeric rating');
      else yield { user, item, category, type: 'RATE', value, time: null };
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
    name: 'epinions',
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
