// Marks a finished build for build-if-stale.mjs (tsc leaves unchanged outputs' times alone).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');
fs.mkdirSync(dist, { recursive: true });
fs.writeFileSync(path.join(dist, '.build-stamp'), `${new Date().toISOString()}\n`);
