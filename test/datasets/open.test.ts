import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { defaultDatasetDir, openDataset } from '../../src/datasets/open';

describe('openDataset', () => {
  it('defaults to the shared folder beside the checkout, or DATASETS_DIR', () => {
    const root = path.resolve(__dirname, '../..');
    expect(defaultDatasetDir('lastfm', {})).toBe(path.resolve(root, '../shared/datasets/lastfm-hetrec2011'));
    expect(defaultDatasetDir('ciao', { DATASETS_DIR: '/srv/data' })).toBe('/srv/data/ciao');
  });

  it('names the folder when it does not exist', () => {
    expect(() => openDataset('ciao', '/nonexistent/ciao')).toThrow(/folder \/nonexistent\/ciao does not exist.*--dir PATH or set DATASETS_DIR/);
  });

  it('names every missing file, and the alternatives for Epinions ratings', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'open-'));
    fs.writeFileSync(path.join(dir, 'trust.tsv'), '');
    expect(() => openDataset('epinions', dir)).toThrow(/missing ratings\.tsv\.gz or ratings\.tsv, categories\.tsv/);
    fs.rmSync(dir, { recursive: true });
  });
});
