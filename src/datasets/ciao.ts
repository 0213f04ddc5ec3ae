/**
 * Ciao (Tang et al.): product ratings with day-level timestamps, a directed trust
 * network and a category catalogue; all tab-separated without headers.
 */
import { IssueLog, addIfNew, isId, parseNumber, parseUnixSeconds, readRecords } from './lines';
import type { DatasetEdge, DatasetInteraction, DatasetItem, DatasetReader, DatasetUser } from './types';

export const CIAO_FILES = ['ratings.tsv', 'trust.tsv', 'categories.tsv'] as const;

const TAB = { separator: '\t' } as const;

interface CiaoRating extends DatasetInteraction {
  category: string;
}

export function readCiao(dir: string): DatasetReader {
  const log = new IssueLog();

  /** Columns: user, product, category, rating, helpfulness, timestamp. */
  async function* ratings(): AsyncGenerator<CiaoRating> {
    for await (const { line, fields } of readRecords(dir, 'ratings.tsv', { ...TAB, columns: 6 }, log)) {
      const [user, item, category, ratingField, , timeField] = fields;
      const value = parseNumber(ratingField);
      const time = parseUnixSeconds(timeField);
      if (!isId(user) || !isId(item) || !isId(category)) log.report('ratings.tsv', line, 'non-numeric id');
      else if (value === null) log.report('ratings.tsv', line, 'non-numeric rating');
      else if (time === null) log.report('ratings.tsv', line, 'bad timestamp');
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
    name: 'ciao',
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
