/**
 * Opens the database: a Postgres server when a URL is given, else embedded PGlite
 * (a data directory, or in memory for tests). Both speak to Prisma through a driver
 * adapter and expose the same raw `exec`/`query` for migrations and bulk imports.
 * No connection error is ever an unhandled `error` event: idle pool connections are replaced,
 * and a session's connection failing is reported to the session's owner (`broken`).
 * An embedded data directory is held by one process at a time (PGlite cannot be shared).
 */
import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client';
import { templateFor } from './pglite-template';

export type DatabaseKind = 'postgres' | 'pglite';

/** Raw SQL on one connection. */
export interface SqlSession {
  /** Runs one or more SQL statements with no parameters (migrations). */
  exec(sql: string): Promise<void>;
  /** Runs one parameterised statement. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

/** A single connection lent to `withSession`. */
export interface Session extends SqlSession {
  /**
   * Resolves (never rejects) with the error when the connection fails while the session is
   * open: a terminated backend or a server restart. Session state (advisory locks, an open
   * transaction) is gone from then on. Never resolves on PGlite, which has no connection.
   */
  readonly broken: Promise<Error>;
}

export interface Database extends SqlSession {
  kind: DatabaseKind;
  /** The Postgres URL (null on PGlite): lets the training process open its own connection. */
  url: string | null;
  prisma: PrismaClient;
  /** Runs `fn` on a single connection (for transactions and session state). */
  withSession<T>(fn: (session: Session) => Promise<T>): Promise<T>;
  /** Counts SQL statements sent through Prisma and `query`, for tests that prove batching. */
  readonly queryCount: { value: number };
  /** Postgres pool usage for /metrics; absent on PGlite (one connection, no pool). */
  poolStats?(): { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Postgres URL; when absent, PGlite in `dataDir` ('memory://' for an in-memory database). */
  url: string | null;
  dataDir?: string;
  poolSize?: number;
  /** Told about connection errors nobody was waiting for (an idle connection closed by the server). */
  onConnectionError?: (error: Error) => void;
}

/** Another live process has the embedded data directory open. */
export class DatabaseInUseError extends Error {
  constructor(readonly dataDir: string, readonly pid: number) {
    super(
      `The embedded database in ${dataDir} is in use by another process (pid ${pid}); ` +
        'PGlite cannot be shared between processes. Stop that process, or use a Postgres server (DATABASE_URL).',
    );
  }
}

export async function openDatabase(options: OpenOptions): Promise<Database> {
  return options.url
    ? openPostgres(options.url, options.poolSize ?? 10, options.onConnectionError ?? (() => {}))
    : openPglite(options.dataDir ?? 'memory://');
}

function countingPrisma(adapter: PrismaPg | PrismaPGlite): { prisma: PrismaClient; queryCount: { value: number } } {
  const prisma = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] });
  const queryCount = { value: 0 };
  prisma.$on('query', () => {
    queryCount.value++;
  });
  return { prisma: prisma as unknown as PrismaClient, queryCount };
}

async function openPostgres(url: string, poolSize: number, onConnectionError: (error: Error) => void): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // Timestamp columns hold UTC without a zone (Prisma's DateTime). A session in another zone
  // would store column defaults (CURRENT_TIMESTAMP) and timestamptz values cast into them as
  // its local time, hours away from what Prisma writes: every session is in UTC instead. Set
  // on connect rather than as a startup option, which poolers such as PgBouncer refuse; the
  // client runs it before any query it is handed out for.
  pool.on('connect', (client) => void client.query(`SET TIME ZONE 'UTC'`).catch(() => undefined));
  // An idle connection the server closes (restart, failover) must not crash the process; the
  // pool replaces it and the next query reports any real outage.
  pool.on('error', (error) => onConnectionError(error));
  const { prisma, queryCount } = countingPrisma(new PrismaPg(pool));
  return {
    kind: 'postgres',
    url,
    prisma,
    queryCount,
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    async exec(sql) {
      await pool.query(sql);
    },
    async query(sql, params = []) {
      queryCount.value++;
      return (await pool.query(sql, params)).rows;
    },
    async withSession(fn) {
      const client = await pool.connect();
      // A checked-out client has no pool listener: without ours, a backend terminated between
      // two of the session's statements is an unhandled 'error' event and kills the process.
      let failure: Error | null = null;
      let reportBroken!: (error: Error) => void;
      const broken = new Promise<Error>((resolve) => (reportBroken = resolve));
      const onError = (error: Error) => {
        failure ??= error;
        reportBroken(error);
      };
      client.on('error', onError);
      try {
        return await fn({
          broken,
          exec: async (sql) => void (await client.query(sql)),
          query: async (sql, params = []) => (await client.query(sql, params)).rows,
        });
      } finally {
        // A failed connection is destroyed rather than lent to the next caller; the listener
        // stays so a late second error from the dying socket is still handled.
        if (failure) client.release(failure);
        else {
          client.removeListener('error', onError);
          client.release();
        }
      }
    },
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

async function openPglite(dataDir: string): Promise<Database> {
  const inMemory = dataDir.startsWith('memory://');
  if (!inMemory) fs.mkdirSync(dataDir, { recursive: true });
  const unlock = inMemory ? () => {} : lockDataDir(dataDir);
  let client: PGlite;
  try {
    const template = templateFor(dataDir);
    client = new PGlite(dataDir, template ? { loadDataDir: template } : {});
    await client.waitReady;
  } catch (error) {
    unlock();
    throw error;
  }
  const { prisma, queryCount } = countingPrisma(new PrismaPGlite(client));
  const session: SqlSession = {
    async exec(sql) {
      await client.exec(sql);
    },
    async query(sql, params = []) {
      queryCount.value++;
      return (await client.query(sql, params)).rows as never[];
    },
  };
  return {
    kind: 'pglite',
    url: null,
    prisma,
    queryCount,
    ...session,
    // PGlite is a single connection; its transaction() serialises against other callers.
    withSession: (fn) => client.transaction(async (tx) => fn({
      broken: new Promise<Error>(() => {}),
      exec: async (sql) => void (await tx.exec(sql)),
      query: async (sql, params = []) => (await tx.query(sql, params)).rows as never[],
    })),
    async close() {
      try {
        await prisma.$disconnect();
        await client.close();
      } finally {
        unlock();
      }
    },
  };
}

const LOCK_FILE = 'owner.pid';
/** Data directories this process holds, so a second open in the same process is refused too. */
const heldDataDirs = new Set<string>();

/**
 * Takes the data directory for this process: a pid file created exclusively. A file left by a
 * process that no longer runs (kill -9, power loss) is taken over. Returns the release.
 */
function lockDataDir(dataDir: string): () => void {
  const dir = path.resolve(dataDir);
  const file = path.join(dir, LOCK_FILE);
  if (heldDataDirs.has(dir)) throw new DatabaseInUseError(dir, process.pid);
  for (let attempt = 0; ; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 2) throw error;
      const holder = Number(fs.readFileSync(file, 'utf8').trim());
      // Our own pid in the file is a leftover of an earlier life under the same pid (containers
      // restart as pid 1): this process does not hold it (checked above).
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
        throw new DatabaseInUseError(dir, holder);
      }
      fs.rmSync(file, { force: true });
    }
  }
  heldDataDirs.add(dir);
  // The file must not outlive a normal exit, even one that skips close().
  const onExit = () => fs.rmSync(file, { force: true });
  process.once('exit', onExit);
  return () => {
    if (!heldDataDirs.delete(dir)) return;
    process.removeListener('exit', onExit);
    onExit();
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
