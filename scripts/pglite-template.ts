/** Build step: an initialised, migrated embedded database saved for fast first starts (see src/db/pglite-template.ts). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';

import { openDatabase } from '../src/db/client';
import { migrate } from '../src/db/migrate';
import { templatePath } from '../src/db/pglite-template';

async function main(): Promise<void> {
  // Removed first so that openDatabase runs a real initdb rather than unpacking the old one.
  fs.rmSync(templatePath(), { force: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pglite-template-'));
  try {
    const db = await openDatabase({ url: null, dataDir: dir });
    await migrate(db);
    await db.close();
    const client = await PGlite.create(dir);
    const tarball = await client.dumpDataDir('gzip');
    await client.close();
    fs.mkdirSync(path.dirname(templatePath()), { recursive: true });
    fs.writeFileSync(templatePath(), Buffer.from(await tarball.arrayBuffer()));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
