/**
 * SNAP ego-Facebook: an undirected friendship graph, one space-separated edge per line,
 * each edge listed once. No items and no interactions.
 */
import { IssueLog, addIfNew, isId, readRecords } from './lines';
import type { DatasetEdge, DatasetInteraction, DatasetItem, DatasetReader, DatasetUser } from './types';

export const FACEBOOK_FILES = ['facebook_combined.txt'] as const;

export function readFacebook(dir: string): DatasetReader {
  const log = new IssueLog();
  const file = 'facebook_combined.txt';

  async function* rows(): AsyncGenerator<[string, string]> {
    for await (const { line, fields } of readRecords(dir, file, { separator: 'whitespace', columns: 2 }, log)) {
      const [a, b] = fields;
      if (!isId(a) || !isId(b)) log.report(file, line, 'non-numeric id');
      else if (a === b) log.report(file, line, 'self-loop');
      else yield [a, b];
    }
  }

  return {
    name: 'facebook-ego',
    dir,
    issues: log.issues,

    async *users(): AsyncGenerator<DatasetUser> {
      const seen = new Set<string>();
      for await (const [a, b] of rows()) {
        if (addIfNew(seen, a)) yield { externalId: a };
        if (addIfNew(seen, b)) yield { externalId: b };
      }
    },

    async *items(): AsyncGenerator<DatasetItem> {},
    async *interactions(): AsyncGenerator<DatasetInteraction> {},

    async *edges(): AsyncGenerator<DatasetEdge> {
      // Listed once already, but a repeated or reversed row must not become a second edge.
      const seen = new Set<string>();
      for await (const [a, b] of rows()) {
        const key = Number(a) < Number(b) ? `${a}-${b}` : `${b}-${a}`;
        if (addIfNew(seen, key)) yield { from: a, to: b, mutual: true };
      }
    },
  };
}
