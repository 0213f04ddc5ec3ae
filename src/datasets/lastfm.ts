/**
 * Last.fm HetRec 2011: play counts (implicit feedback), mutual friendships, artist tags.
 * Every file is tab-separated with one header line; tags.dat is Latin-1.
 */
import { IssueLog, addIfNew, isId, parseNumber, readRecords } from './lines';
import type { DatasetEdge, DatasetInteraction, DatasetItem, DatasetReader, DatasetUser } from './types';

export const LASTFM_FILES = [
  'user_artists.dat',
  'artists.dat',
  'user_friends.dat',
  'tags.dat',
  'user_taggedartists.dat',
] as const;

const TAB = { separator: '\t', headerLines: 1 } as const;
const TAGS_PER_ARTIST = 10;

export function readLastfm(dir: string): DatasetReader {
  const log = new IssueLog();

  async function* plays(): AsyncGenerator<{ user: string; artist: string; weight: number }> {
    for await (const { line, fields } of readRecords(dir, 'user_artists.dat', { ...TAB, columns: 3 }, log)) {
      const [user, artist, weightField] = fields;
      const weight = parseNumber(weightField);
      if (!isId(user) || !isId(artist)) log.report('user_artists.dat', line, 'non-numeric id');
      else if (weight === null) log.report('user_artists.dat', line, 'non-numeric weight');
      else yield { user, artist, weight };
    }
  }

  async function* friendRows(): AsyncGenerator<[string, string]> {
    for await (const { line, fields } of readRecords(dir, 'user_friends.dat', { ...TAB, columns: 2 }, log)) {
      const [user, friend] = fields;
      if (!isId(user) || !isId(friend)) log.report('user_friends.dat', line, 'non-numeric id');
      else if (user === friend) log.report('user_friends.dat', line, 'self-loop');
      else yield [user, friend];
    }
  }

  async function* taggings(): AsyncGenerator<{ user: string; artist: string; tag: string }> {
    const file = 'user_taggedartists.dat';
    for await (const { line, fields } of readRecords(dir, file, { ...TAB, columns: 6 }, log)) {
      const [user, artist, tag] = fields;
      if (fields.every(isId)) yield { user, artist, tag };
      else log.report(file, line, 'non-numeric field');
    }
  }

  /** The most used tag names per artist. Holds one small map per tagged artist (~12.5k). */
  async function topTags(): Promise<Map<string, string[]>> {
    const names = new Map<string, string>();
    for await (const { line, fields } of readRecords(dir, 'tags.dat', { ...TAB, columns: 2, encoding: 'latin1' }, log)) {
      const [id, name] = fields;
      if (isId(id) && name.trim() !== '') names.set(id, name.trim());
      else log.report('tags.dat', line, 'bad tag row');
    }
    const counts = new Map<string, Map<string, number>>();
    for await (const { artist, tag } of taggings()) {
      let perArtist = counts.get(artist);
      if (!perArtist) counts.set(artist, (perArtist = new Map()));
      perArtist.set(tag, (perArtist.get(tag) ?? 0) + 1);
    }
    const top = new Map<string, string[]>();
    for (const [artist, perArtist] of counts) {
      const ranked = [...perArtist]
        .filter(([tag]) => names.has(tag))
        // Ties broken by tag id so the same files always give the same tags.
        .sort((a, b) => b[1] - a[1] || Number(a[0]) - Number(b[0]))
        .slice(0, TAGS_PER_ARTIST)
        .map(([tag]) => names.get(tag)!);
      top.set(artist, ranked);
    }
    return top;
  }

  return {
    name: 'lastfm',
    dir,
    issues: log.issues,

    async *users(): AsyncGenerator<DatasetUser> {
      const seen = new Set<string>();
      const fresh = (id: string) => addIfNew(seen, id);
      for await (const { user } of plays()) if (fresh(user)) yield { externalId: user };
      for await (const [user, friend] of friendRows()) {
        if (fresh(user)) yield { externalId: user };
        if (fresh(friend)) yield { externalId: friend };
      }
      for await (const { user } of taggings()) if (fresh(user)) yield { externalId: user };
    },

    async *items(): AsyncGenerator<DatasetItem> {
      const tags = await topTags();
      const seen = new Set<string>();
      const file = 'artists.dat';
      for await (const { line, fields } of readRecords(dir, file, { ...TAB, columns: 4 }, log)) {
        const [id, name] = fields;
        if (!isId(id)) log.report(file, line, 'non-numeric id');
        else if (!addIfNew(seen, id)) log.report(file, line, 'duplicate artist id');
        else {
          yield { externalId: id, title: name.trim() || `Artist ${id}`, category: null, tags: tags.get(id) ?? [] };
        }
      }
      // Played artists missing from artists.dat still need a row (none in the published files).
      for await (const { artist } of plays()) {
        if (addIfNew(seen, artist)) {
          yield { externalId: artist, title: `Artist ${artist}`, category: null, tags: tags.get(artist) ?? [] };
        }
      }
    },

    async *interactions(): AsyncGenerator<DatasetInteraction> {
      for await (const { user, artist, weight } of plays()) {
        yield { user, item: artist, type: 'PLAY', value: weight, time: null };
      }
    },

    async *edges(): AsyncGenerator<DatasetEdge> {
      // Each friendship is listed in both directions; emit it once, whichever comes first.
      const seen = new Set<string>();
      for await (const [user, friend] of friendRows()) {
        const key = Number(user) < Number(friend) ? `${user}-${friend}` : `${friend}-${user}`;
        if (addIfNew(seen, key)) yield { from: user, to: friend, mutual: true };
      }
    },
  };
}
