/**
 * A fresh, migrated database per test file: a new database on the Postgres server when
 * DATABASE_URL is set, else an in-memory PGlite. Files never share rows, so they run in parallel.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/db/client';
import { migrate } from '../../src/db/migrate';

export interface TestDatabase {
  db: Database;
  /** Connection URL of the per-file database (Postgres only). */
  url: string | null;
  drop(): Promise<void>;
}

export const usingPostgres = () => Boolean(process.env.DATABASE_URL);

/** describe / it for what needs a Postgres server (two processes, a server setting): skipped on embedded PGlite. */
export const describeOnPostgres = usingPostgres() ? describe : describe.skip;
export const itOnPostgres = usingPostgres() ? it : it.skip;

/** Runs `fn` on a superuser connection to the server named by DATABASE_URL. */
export async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** An empty database with no migrations applied. */
export async function createEmptyDatabase(): Promise<TestDatabase> {
  if (!usingPostgres()) {
    const db = await openDatabase({ url: null, dataDir: 'memory://' });
    return { db, url: null, drop: () => db.close() };
  }
  const name = `test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/${name}`;
  const db = await openDatabase({ url: url.toString(), poolSize: 5 });
  return {
    db,
    url: url.toString(),
    async drop() {
      await db.close();
      await admin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

/**
 * Another connection pool to the same database, as a second process would have; on PGlite
 * (one process only) the same handle.
 */
export async function secondConnection(test: TestDatabase): Promise<TestDatabase> {
  if (!test.url) return { ...test, drop: async () => {} };
  const db = await openDatabase({ url: test.url, poolSize: 5 });
  return { db, url: test.url, drop: () => db.close() };
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const test = await createEmptyDatabase();
  await migrate(test.db);
  return test;
}
