// `npm start`, `npm run train` and `npm run import` run this first: rebuilds dist/ only when a
// source is newer than the last build, so a run after install (postinstall builds) goes
// straight to dist/ (the training processes and threads then load no TypeScript loader either).
// Plain JavaScript so that the check itself costs no TypeScript loader start-up.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stamp = path.join(root, 'dist', '.build-stamp');
// What the build reads: our sources, the schemas codegen reads, and the compiler settings.
const inputs = ['src', 'scripts', 'schema.graphql', 'prisma', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];
const generated = path.join(root, 'src', 'generated');

function newestMtime(file) {
  if (file === generated || !fs.existsSync(file)) return 0;
  const stat = fs.statSync(file);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return fs.readdirSync(file).reduce((newest, name) => Math.max(newest, newestMtime(path.join(file, name))), stat.mtimeMs);
}

const builtAt = fs.existsSync(stamp) ? fs.statSync(stamp).mtimeMs : 0;
const newest = Math.max(...inputs.map((input) => newestMtime(path.join(root, input))));
if (newest > builtAt) {
  console.error(builtAt ? 'sources changed since the last build: rebuilding dist/' : 'no build yet: building dist/');
  execFileSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
}
