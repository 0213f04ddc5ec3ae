import { openDataset } from '../../src/datasets/open';
import { fixtureDir, readAll } from './read-all';

describe('Last.fm reader', () => {
  it('reads plays, artists with their top tags, and each friendship once', async () => {
    const data = await readAll(openDataset('lastfm', fixtureDir('lastfm-hetrec2011')));

    // 13 only has friends, 14 only tagged.
    expect(data.users).toEqual(['10', '11', '12', '13', '14']);
    expect(data.interactions).toEqual([
      { user: '10', item: '100', type: 'PLAY', value: 50, time: null },
      { user: '10', item: '101', type: 'PLAY', value: 7, time: null },
      { user: '11', item: '100', type: 'PLAY', value: 3, time: null },
      { user: '12', item: '103', type: 'PLAY', value: 20, time: null },
    ]);
    expect(data.items).toEqual([
      // Ties on count go to the lower tag id; tag 9 has no name and is dropped; tags.dat is Latin-1.
      { externalId: '100', title: 'The Made Up Band', category: null, tags: ['rock', 'café', 'jazz'] },
      { externalId: '101', title: 'Nobody Real', category: null, tags: ['jazz'] },
      { externalId: '102', title: 'Invented Trio', category: null, tags: [] },
      // Played but absent from artists.dat: a placeholder so every interaction has its item.
      { externalId: '103', title: 'Artist 103', category: null, tags: [] },
    ]);
    // user_friends.dat has CRLF endings and lists 10-11 and 10-12 both ways, 13-10 one way.
    expect(data.edges).toEqual([
      { from: '10', to: '11', mutual: true },
      { from: '10', to: '12', mutual: true },
      { from: '13', to: '10', mutual: true },
    ]);
    expect(data.issues).toEqual([
      { file: 'artists.dat', line: 5, reason: 'non-numeric id' },
      { file: 'user_artists.dat', line: 5, reason: 'non-numeric id' },
      { file: 'user_artists.dat', line: 6, reason: 'expected 3 fields, found 2' },
      { file: 'user_friends.dat', line: 6, reason: 'self-loop' },
      { file: 'user_taggedartists.dat', line: 9, reason: 'non-numeric field' },
    ]);
  });
});
