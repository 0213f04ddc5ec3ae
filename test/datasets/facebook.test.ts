import { openDataset } from '../../src/datasets/open';
import { fixtureDir, readAll } from './read-all';

describe('Facebook ego reader', () => {
  it('reads undirected edges once each, with no items or interactions', async () => {
    const data = await readAll(openDataset('facebook-ego', fixtureDir('facebook-ego')));

    expect(data.users).toEqual(['0', '1', '2']);
    expect(data.items).toEqual([]);
    expect(data.interactions).toEqual([]);
    // `2 1` repeats `1 2` reversed and is not a second friendship.
    expect(data.edges).toEqual([
      { from: '0', to: '1', mutual: true },
      { from: '0', to: '2', mutual: true },
      { from: '1', to: '2', mutual: true },
    ]);
    expect(data.issues).toEqual([
      { file: 'facebook_combined.txt', line: 5, reason: 'self-loop' },
      { file: 'facebook_combined.txt', line: 6, reason: 'expected 2 fields, found 1' },
      { file: 'facebook_combined.txt', line: 7, reason: 'non-numeric id' },
    ]);
  });
});
