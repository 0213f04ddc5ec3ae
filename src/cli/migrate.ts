/** `npm run db:migrate`: applies pending migrations to DATABASE_URL or the embedded database. */
import { loadConfig } from '../config';
import { openDatabase } from '../db/client';
import { migrate } from '../db/migrate';
import { parseCommand } from './args';
import { exitOnError } from './errors';

async function main() {
  // No options, but --help must not migrate, and a mistyped flag must not pass unnoticed.
  parseCommand({
    command: 'npm run db:migrate',
    summary: 'Applies pending migrations to DATABASE_URL (Postgres), else the embedded database in DATA_DIR.',
    options: {},
  });
  const config = loadConfig();
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  try {
    const applied = await migrate(db);
    console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date');
  } finally {
    await db.close();
  }
}

main().catch(exitOnError);
