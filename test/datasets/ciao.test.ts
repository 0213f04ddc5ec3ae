import { openDataset } from '../../src/datasets/open';
import { fixtureDir, readAll } from './read-all';

describe('Ciao reader', () => {
  it('reads day-stamped ratings, category names and one-way trust without self-loops', async () => {
    const data = await readAll(openDataset('ciao', fixtureDir('ciao')));

    expect(data.users).toEqual(['1', '2', '3', '4']);
    expect(data.items).toEqual([
      { externalId: '500', title: 'Product 500', category: 'Garden Stuff', tags: [] },
      { externalId: '501', title: 'Product 501', category: 'Kitchen Things', tags: [] },
      // Category 7 is not in categories.tsv.
      { externalId: '502', title: 'Product 502', category: null, tags: [] },
    ]);
    expect(data.interactions).toEqual([
      { user: '1', item: '500', type: 'RATE', value: 5, time: new Date('2000-05-30T07:00:00Z') },
      { user: '2', item: '500', type: 'RATE', value: 4, time: new Date('2000-05-31T07:00:00Z') },
      { user: '2', item: '501', type: 'RATE', value: 3, time: new Date('2000-05-31T07:00:00Z') },
      { user: '3', item: '502', type: 'RATE', value: 4, time: new Date('2000-06-01T07:00:00Z') },
    ]);
    expect(data.edges).toEqual([
      { from: '1', to: '2', mutual: false },
      { from: '3', to: '1', mutual: false },
      { from: '4', to: '1', mutual: false },
    ]);
    expect(data.issues).toEqual([
      { file: 'ratings.tsv', line: 5, reason: 'bad timestamp' },
      { file: 'trust.tsv', line: 2, reason: 'self-loop' },
      { file: 'trust.tsv', line: 5, reason: 'expected 2 fields, found 1' },
    ]);
  });
});
