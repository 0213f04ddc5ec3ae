import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

import { openDataset } from '../../src/datasets/open';
import { fixtureDir, readAll } from './read-all';

describe('Epinions reader', () => {
  it('reads gzipped untimed ratings and one-way trust without self-loops', async () => {
    const data = await readAll(openDataset('epinions', fixtureDir('epinions')));

    expect(data.users).toEqual(['1', '2', '3', '9']);
    expect(data.items).toEqual([
      { externalId: '700', title: 'Product 700', category: 'Odds And Ends', tags: [] },
      { externalId: '701', title: 'Product 701', category: 'Toys And Such', tags: [] },
      { externalId: '703', title: 'Product 703', category: null, tags: [] },
    ]);
    expect(data.interactions.map((r) => [r.user, r.item, r.value, r.time])).toEqual([
      ['1', '700', 4, null],
      ['1', '701', 5, null],
      ['2', '700', 2, null],
      ['3', '703', 1, null],
      ['1', '700', 5, null],
    ]);
    // Repeated one-way rows pass through; only the self-loop is dropped.
    expect(data.edges.map((e) => `${e.from}>${e.to}`)).toEqual(['1>2', '2>1', '3>1', '1>2', '9>1']);
    expect(data.issues).toEqual([
      { file: 'categories.tsv', line: 3, reason: 'expected 2 fields, found 1' },
      { file: 'ratings.tsv.gz', line: 4, reason: 'non-numeric id' },
      { file: 'trust.tsv', line: 3, reason: 'self-loop' },
    ]);
  });

  it('accepts an unpacked ratings.tsv as well', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'epinions-'));
    const source = fixtureDir('epinions');
    fs.writeFileSync(path.join(dir, 'ratings.tsv'), gunzipSync(fs.readFileSync(path.join(source, 'ratings.tsv.gz'))));
    for (const file of ['trust.tsv', 'categories.tsv']) fs.copyFileSync(path.join(source, file), path.join(dir, file));

    const data = await readAll(openDataset('epinions', dir));
    expect(data.interactions).toHaveLength(5);
    expect(data.issues.map((i) => i.file)).toContain('ratings.tsv');
    fs.rmSync(dir, { recursive: true });
  });
});
