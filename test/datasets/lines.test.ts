import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

import { readLines } from '../../src/datasets/lines';
import { collect } from './read-all';

describe('readLines', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lines-'));
  afterAll(() => fs.rmSync(dir, { recursive: true }));

  it('strips LF and CRLF, numbers lines from 1, keeps inner blanks and drops trailing ones', async () => {
    const file = path.join(dir, 'mixed.txt');
    fs.writeFileSync(file, 'a\r\nb\n\nc\n\n\n');
    expect(await collect(readLines(file))).toEqual([
      { number: 1, text: 'a' },
      { number: 2, text: 'b' },
      { number: 3, text: '' },
      { number: 4, text: 'c' },
    ]);
  });

  it('decompresses .gz and decodes Latin-1 when asked', async () => {
    const file = path.join(dir, 'latin.txt.gz');
    fs.writeFileSync(file, gzipSync(Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a])));
    expect(await collect(readLines(file, 'latin1'))).toEqual([{ number: 1, text: 'café' }]);
  });

  it('rejects (not hangs) when the file cannot be read', async () => {
    await expect(collect(readLines(path.join(dir, 'absent.txt')))).rejects.toThrow(/ENOENT/);
    await expect(collect(readLines(path.join(dir, 'absent.gz')))).rejects.toThrow(/ENOENT/);
  });
});
