/**
 * Fault injection on the Postgres server the tests use: terminate chosen backends of one
 * test database from a separate superuser connection (never a cluster restart: it is shared).
 */
import { admin as withAdmin } from '../helpers/db';

const databaseOf = (url: string) => decodeURIComponent(new URL(url).pathname.slice(1));

/** Terminates the backend holding the session advisory lock `key`; returns how many it ended. */
export function terminateLockHolder(url: string, key: number): Promise<number> {
  return withAdmin(async (client) => {
    const { rows } = await client.query(
      `SELECT pg_terminate_backend(l.pid) AS ended FROM pg_locks l JOIN pg_database d ON d.oid = l.database
        WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = $2 AND d.datname = $1`,
      [databaseOf(url), key],
    );
    return rows.filter((row) => row.ended).length;
  });
}

/** Terminates every connection to the database: the lock holder, the pool, transactions in flight. */
export function terminateAllBackends(url: string): Promise<number> {
  return withAdmin(async (client) => {
    const { rows } = await client.query(
      `SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
      [databaseOf(url)],
    );
    return rows.filter((row) => row.ended).length;
  });
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
