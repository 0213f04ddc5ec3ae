import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { defaultDatasetDir, openDataset } from '../../src/datasets/open';

describe('openDataset', () => {
  it('defaults to the shared folder beside the checkout', () => {
    expect(defaultDatasetDir('lastfm')).toBe(path.resolve(process.cwd(), '../shared/datasets/lastfm-hetrec2011'));
  });

  it('names the folder when it does not exist', () => {
    expect(() => openDataset('ciao', '/nonexistent/ciao')).toThrow(/folder \/nonexistent\/ciao does not exist/);
  });

  it('names every missing file, and the alternatives for Epinions ratings', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'open-'));
    fs.writeFileSync(path.join(dir, 'trust.tsv'), '');
    expect(() => openDataset('epinions', dir)).toThrow(/missing ratings\.tsv\.gz or ratings\.tsv, categories\.tsv/);
    fs.rmSync(dir, { recursive: true });
  });
});
