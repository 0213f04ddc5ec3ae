/**
 * Opens the database: a Postgres server when a URL is given, else embedded PGlite
 * (a data directory, or in memory for tests). Both speak to Prisma through a driver
 * adapter and expose the same raw `exec`/`query` for migrations and bulk imports.
 */
import fs from 'node:fs';
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

export interface Database extends SqlSession {
  kind: DatabaseKind;
  prisma: PrismaClient;
  /** Runs `fn` on a single connection (for transactions and session state). */
  withSession<T>(fn: (session: SqlSession) => Promise<T>): Promise<T>;
  /** Counts SQL statements Prisma sends, for tests that prove batching. */
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
}

export async function openDatabase(options: OpenOptions): Promise<Database> {
  return options.url ? openPostgres(options.url, options.poolSize ?? 10) : openPglite(options.dataDir ?? 'memory://');
}

function countingPrisma(adapter: PrismaPg | PrismaPGlite): { prisma: PrismaClient; queryCount: { value: number } } {
  const prisma = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] });
  const queryCount = { value: 0 };
  prisma.$on('query', () => {
    queryCount.value++;
  });
  return { prisma: prisma as unknown as PrismaClient, queryCount };
}

async function openPostgres(url: string, poolSize: number): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle connection the server closes (restart, failover) must not crash the process; the
  // pool replaces it and the next query reports any real outage.
  pool.on('error', () => {});
  const { prisma, queryCount } = countingPrisma(new PrismaPg(pool));
  return {
    kind: 'postgres',
    prisma,
    queryCount,
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    async exec(sql) {
      await pool.query(sql);
    },
    async query(sql, params = []) {
      return (await pool.query(sql, params)).rows;
    },
    async withSession(fn) {
      const client = await pool.connect();
      try {
        return await fn({
          exec: async (sql) => void (await client.query(sql)),
          query: async (sql, params = []) => (await client.query(sql, params)).rows,
        });
      } finally {
        client.release();
      }
    },
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

async function openPglite(dataDir: string): Promise<Database> {
  const template = templateFor(dataDir);
  if (!dataDir.startsWith('memory://')) fs.mkdirSync(dataDir, { recursive: true });
  const client = new PGlite(dataDir, template ? { loadDataDir: template } : {});
  await client.waitReady;
  const { prisma, queryCount } = countingPrisma(new PrismaPGlite(client));
  const session: SqlSession = {
    async exec(sql) {
      await client.exec(sql);
    },
    async query(sql, params = []) {
      return (await client.query(sql, params)).rows as never[];
    },
  };
  return {
    kind: 'pglite',
    prisma,
    queryCount,
    ...session,
    // PGlite is a single connection; its transaction() serialises against other callers.
    withSession: (fn) => client.transaction(async (tx) => fn({
      exec: async (sql) => void (await tx.exec(sql)),
      query: async (sql, params = []) => (await tx.query(sql, params)).rows as never[],
    })),
    async close() {
      await prisma.$disconnect();
      await client.close();
    },
  };
}
