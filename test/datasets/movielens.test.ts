import { openDataset } from '../../src/datasets/open';
import { fixtureDir, readAll } from './read-all';

describe('MovieLens 100K reader', () => {
  it('reads timestamped ratings, Latin-1 titles with genres, and users', async () => {
    const data = await readAll(openDataset('movielens-100k', fixtureDir('movielens-100k')));

    // 4 is in u.user without ratings; 3 rated but is missing from u.user.
    expect(data.users).toEqual(['1', '2', '4', '3']);
    expect(data.interactions).toEqual([
      { user: '1', item: '10', type: 'RATE', value: 4, time: new Date(881250949 * 1000) },
      { user: '2', item: '10', type: 'RATE', value: 5, time: new Date(881250950 * 1000) },
      { user: '3', item: '13', type: 'RATE', value: 2, time: new Date(881250952 * 1000) },
    ]);
    expect(data.items).toEqual([
      { externalId: '10', title: 'Café Society (1990)', category: 'Chase', tags: ['Chase', 'Frontier'] },
      { externalId: '11', title: 'Invented Picture (1991)', category: 'Funny', tags: ['Funny', 'Tears'] },
      { externalId: '12', title: 'Plain Film (1992)', category: null, tags: [] },
      { externalId: '13', title: 'Movie 13', category: null, tags: [] },
    ]);
    expect(data.edges).toEqual([]);
    // u.genre's trailing blank line is the end of the file, not an issue.
    expect(data.issues).toEqual([
      { file: 'u.data', line: 3, reason: 'bad timestamp' },
      { file: 'u.data', line: 4, reason: 'non-numeric rating' },
      { file: 'u.data', line: 5, reason: 'empty line' },
      { file: 'u.item', line: 4, reason: 'expected 24 fields, found 7' },
      { file: 'u.user', line: 3, reason: 'non-numeric id' },
    ]);
  });
});
