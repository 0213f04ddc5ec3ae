/**
 * A ready-made embedded database for first starts. PGlite's initdb costs most of a fresh
 * start (seconds of CPU; half a minute on a loaded machine), so the build runs it once, applies
 * the migrations, and saves the data directory as a tarball next to dist/; opening an empty
 * DATA_DIR then unpacks that instead. Demo data is not in it: the seed runs at first start.
 * Pending migrations are still applied on start, so a stale template is only slower, not wrong.
 */
import fs from 'node:fs';
import path from 'node:path';

import { projectRoot } from '../paths';

export function templatePath(): string {
  return path.join(projectRoot(), 'dist', 'pglite-template.tar.gz');
}

/** The template to initialise `dataDir` from, when it is a new on-disk folder and a build left one. */
export function templateFor(dataDir: string): Blob | undefined {
  if (dataDir.startsWith('memory://')) return undefined;
  const fresh = !fs.existsSync(dataDir) || fs.readdirSync(dataDir).length === 0;
  if (!fresh || !fs.existsSync(templatePath())) return undefined;
  return new Blob([fs.readFileSync(templatePath())]);
}
