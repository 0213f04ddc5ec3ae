import { openDataset } from '../../src/datasets/open';
import { fixtureDir, readAll } from './read-all';

describe('FilmTrust reader', () => {
  it('reads untimed ratings, one-way trust and id-named films', async () => {
    const data = await readAll(openDataset('filmtrust', fixtureDir('filmtrust')));

    expect(data.users).toEqual(['1', '2', '3', '5']);
    expect(data.items.map((i) => i.title)).toEqual(['Film 100', 'Film 101', 'Film 102']);
    expect(data.items[0]).toEqual({ externalId: '100', title: 'Film 100', category: null, tags: [] });
    // A repeated (user, item) pair is passed on as it is: consumers decide about duplicates.
    expect(data.interactions.map((r) => [r.user, r.item, r.value, r.time])).toEqual([
      ['1', '100', 3.5, null],
      ['1', '101', 2, null],
      ['2', '100', 0.5, null],
      ['3', '102', 4, null],
      ['3', '102', 1.5, null],
    ]);
    expect(data.edges).toEqual([
      { from: '1', to: '2', mutual: false },
      { from: '2', to: '1', mutual: false },
      { from: '5', to: '1', mutual: false },
    ]);
    expect(data.issues).toEqual([
      { file: 'ratings.txt', line: 4, reason: 'expected 3 fields, found 2' },
      { file: 'trust.txt', line: 3, reason: 'self-loop' },
      { file: 'trust.txt', line: 5, reason: 'non-numeric id' },
    ]);
  });
});
