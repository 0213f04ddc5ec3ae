/** The real server (HTTP on port 0, real context) on a per-file test database. */
import { mintToken } from '../../src/auth';
import { loadConfig, type Config } from '../../src/config';
import { createLogger } from '../../src/logger';
import { readOnlineSettings } from '../../src/online/settings';
import { startServer, type RunningServer } from '../../src/server';
import { toGlobalId } from '../../src/graphql/ids';
import { createTestDatabase, type TestDatabase } from './db';
import { factories } from './factories';

export const TEST_SECRET = 'test-secret-0123456789';

export interface GraphQLResponse<T = any> {
  status: number;
  data?: T;
  errors?: { message: string; path?: string[]; extensions?: { code?: string; [key: string]: unknown } }[];
}

export interface TestServer {
  server: RunningServer;
  database: TestDatabase;
  config: Config;
  make: ReturnType<typeof factories>;
  gql<T = any>(query: string, variables?: Record<string, unknown>, token?: string | null): Promise<GraphQLResponse<T>>;
  tokenFor(userId: number, admin?: boolean): Promise<string>;
  close(): Promise<void>;
}

/**
 * For tests that count SQL statements: no model poll, experiment poll or impression flush
 * lands inside a counted window, however slowly a loaded machine runs the request.
 */
export const QUIET = { MODEL_POLL_MS: '600000', EXPERIMENT_POLL_MS: '600000', IMPRESSION_FLUSH_MS: '600000' };

export const uid = (id: number) => toGlobalId('User', id);
export const iid = (id: number) => toGlobalId('Item', id);

/** A server on its own new database, or on `shared` (a second app instance on the same data). */
export async function startTestServer(env: Record<string, string> = {}, shared?: TestDatabase): Promise<TestServer> {
  const database = shared ?? (await createTestDatabase());
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    JWT_SECRET: TEST_SECRET,
    SEED_DEMO: 'false',
    TRAIN_ON_START: 'false',
    LOG_LEVEL: 'silent',
    // Tests change data between requests and want to see it at once.
    TRENDING_CACHE_MS: '0',
    ...env,
  });
  // The online settings (impression flushes, experiment polls) come from the environment too.
  const online = readOnlineSettings({ ...process.env, ...env });
  const server = await startServer(config, createLogger(config.logLevel), { db: database.db, online });
  return {
    server,
    database,
    config,
    make: factories(database.db),
    async gql(query, variables = {}, token = null) {
      const response = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, ...((await response.json()) as object) };
    },
    tokenFor: (userId, admin = false) => mintToken(TEST_SECRET, userId, { admin }),
    async close() {
      await server.stop();
      if (!shared) await database.drop();
    },
  };
}
