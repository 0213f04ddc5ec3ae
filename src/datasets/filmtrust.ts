/**
 * FilmTrust: 0.5-4.0 ratings without time and a directed trust network, both
 * space-separated. Films have no metadata, so items are named by id.
 */
import { IssueLog, addIfNew, isId, parseNumber, readRecords } from './lines';
import type { DatasetEdge, DatasetInteraction, DatasetItem, DatasetReader, DatasetUser } from './types';

export const FILMTRUST_FILES = ['ratings.txt', 'trust.txt'] as const;

const SPACED = { separator: 'whitespace' } as const;

export function readFilmtrust(dir: string): DatasetReader {
  const log = new IssueLog();

  async function* ratings(): AsyncGenerator<DatasetInteraction> {
    for await (const { line, fields } of readRecords(dir, 'ratings.txt', { ...SPACED, columns: 3 }, log)) {
      const [user, item, ratingField] = fields;
      const value = parseNumber(ratingField);
      if (!isId(user) || !isId(item)) log.report('ratings.txt', line, 'non-numeric id');
      else if (value === null) log.report('ratings.txt', line, 'non-numeric rating');
      else yield { user, item, type: 'RATE', value, time: null };
    }
  }

  async function* trust(): AsyncGenerator<DatasetEdge> {
    // The third column (trust value) is always 1 and carries nothing; it is only checked.
    for await (const { line, fields } of readRecords(dir, 'trust.txt', { ...SPACED, columns: 3 }, log)) {
      const [from, to, weight] = fields;
      if (!isId(from) || !isId(to)) log.report('trust.txt', line, 'non-numeric id');
      else if (parseNumber(weight) === null) log.report('trust.txt', line, 'non-numeric trust value');
      else if (from === to) log.report('trust.txt', line, 'self-loop');
      else yield { from, to, mutual: false };
    }
  }

  return {
    name: 'filmtrust',
    dir,
    issues: log.issues,

    async *users(): AsyncGenerator<DatasetUser> {
      const seen = new Set<string>();
      for await (const { user } of ratings()) if (addIfNew(seen, user)) yield { externalId: user };
      // 134 ids occur only in the trust file.
      for await (const { from, to } of trust()) {
        if (addIfNew(seen, from)) yield { externalId: from };
        if (addIfNew(seen, to)) yield { externalId: to };
      }
    },

    async *items(): AsyncGenerator<DatasetItem> {
      const seen = new Set<string>();
      for await (const { item } of ratings()) {
        if (addIfNew(seen, item)) yield { externalId: item, title: `Film ${item}`, category: null, tags: [] };
      }
    },

    interactions: ratings,
    edges: trust,
  };
}
