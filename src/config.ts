/** Reads and validates the environment once, into a typed Config. Nothing else reads process.env. */
import path from 'node:path';

import { projectRoot } from './paths';

/**
 * What a process does besides answering requests. `all`: one machine does everything.
 * `api`: serves and follows promotions but never trains on its own (no schedule, no training
 * at start), so a fleet behind a load balancer does not compete for the CPU. `trainer`: the
 * one process that runs the schedule and the first training; it serves too (health, admin).
 */
export type Role = 'all' | 'api' | 'trainer';
export const ROLES: readonly Role[] = ['all', 'api', 'trainer'];

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  /** Postgres server URL; null means the embedded PGlite database in `dataDir`. */
  databaseUrl: string | null;
  databasePoolSize: number;
  dataDir: string;
  jwtSecret: string | null;
  jwksUrl: string | null;
  jwtIssuer: string | null;
  jwtAudience: string | null;
  corsOrigins: string[] | '*';
  seedDemo: boolean;
  role: Role;
  /** Whether this process runs the retrain schedule (false for ROLE=api). */
  schedulerEnabled: boolean;
  /** The folder holding one sub-folder per public dataset (import and eval CLIs). */
  datasetsDir: string;
  logLevel: string;
  maxPageSize: number;
  maxBatchSize: number;
  maxQueryDepth: number;
  maxQueryCost: number;
  maxAliases: number;
  /** Lexical tokens in one GraphQL document (graphql-js parser limit). */
  maxQueryTokens: number;
  /** Largest JSON body on /graphql, in bytes; larger ones are answered 413. */
  maxBodyBytes: number;
  /** Requests per minute per user (or per address when anonymous); 0 turns the limit off. */
  rateLimitPerMinute: number;
  retrainCron: string;
  retrainTz: string;
  /** Train a first model at start when none is active. */
  trainOnStart: boolean;
  keepModelVersions: number;
  modelPollMs: number;
  /** How long a trending list is reused (0: computed per request). */
  trendingCacheMs: number;
  /** How long a user's recommendation list is reused unless this process sees them act (0: never). */
  recommendationCacheMs: number;
  /** When set, GET /metrics requires `Authorization: Bearer <metricsToken>`. */
  metricsToken: string | null;
}

export class ConfigError extends Error {}

const DEV_SECRET = 'development-only-secret-change-me';

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new ConfigError(`${name} must be an integer >= ${min}, got "${raw}"`);
  return value;
}

function bool(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function role(env: NodeJS.ProcessEnv): Role {
  const raw = (env.ROLE || 'all').toLowerCase();
  if (!(ROLES as readonly string[]).includes(raw)) throw new ConfigError(`ROLE must be one of ${ROLES.join(', ')}, got "${env.ROLE}"`);
  return raw as Role;
}

/**
 * DATASETS_DIR, else the shared folder beside the checkout (the development layout). Exported
 * apart from loadConfig so the dataset CLIs need no JWT or server settings.
 */
export function datasetsDirFrom(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.DATASETS_DIR || path.join(projectRoot(), '..', 'shared', 'datasets'));
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const nodeEnv = env.NODE_ENV === 'production' ? 'production' : env.NODE_ENV === 'test' ? 'test' : 'development';
  const jwksUrl = env.JWT_JWKS_URL || null;
  let jwtSecret = env.JWT_SECRET || null;
  if (!jwtSecret && !jwksUrl) {
    if (nodeEnv === 'production') throw new ConfigError('JWT_SECRET (or JWT_JWKS_URL) must be set in production');
    jwtSecret = DEV_SECRET;
  }
  const origins = (env.CORS_ORIGINS ?? '*').trim();
  const processRole = role(env);
  return {
    env: nodeEnv,
    port: int(env, 'PORT', 4000),
    databaseUrl: env.DATABASE_URL || null,
    databasePoolSize: int(env, 'DATABASE_POOL_SIZE', 10, 1),
    dataDir: path.resolve(env.DATA_DIR || '.data'),
    jwtSecret,
    jwksUrl,
    jwtIssuer: env.JWT_ISSUER || null,
    jwtAudience: env.JWT_AUDIENCE || null,
    corsOrigins: origins === '*' ? '*' : origins.split(',').map((o) => o.trim()).filter(Boolean),
    seedDemo: bool(env, 'SEED_DEMO', true),
    role: processRole,
    schedulerEnabled: processRole !== 'api',
    datasetsDir: datasetsDirFrom(env),
    logLevel: env.LOG_LEVEL || (nodeEnv === 'test' ? 'silent' : 'info'),
    maxPageSize: int(env, 'MAX_PAGE_SIZE', 100, 1),
    maxBatchSize: int(env, 'MAX_BATCH_SIZE', 500, 1),
    maxQueryDepth: int(env, 'MAX_QUERY_DEPTH', 10, 1),
    maxQueryCost: int(env, 'MAX_QUERY_COST', 20000, 1),
    maxAliases: int(env, 'MAX_ALIASES', 30, 1),
    maxQueryTokens: int(env, 'MAX_QUERY_TOKENS', 5000, 100),
    maxBodyBytes: int(env, 'MAX_BODY_BYTES', 1024 * 1024, 1024),
    rateLimitPerMinute: int(env, 'RATE_LIMIT_PER_MINUTE', 1200),
    retrainCron: env.RETRAIN_CRON || '0 3 * * *',
    retrainTz: env.RETRAIN_TZ || 'UTC',
    // An API process never trains at start, whatever TRAIN_ON_START says: the trainer does.
    trainOnStart: processRole !== 'api' && bool(env, 'TRAIN_ON_START', true),
    keepModelVersions: int(env, 'KEEP_MODEL_VERSIONS', 5, 1),
    modelPollMs: int(env, 'MODEL_POLL_MS', 5000, 100),
    trendingCacheMs: int(env, 'TRENDING_CACHE_MS', 60000),
    recommendationCacheMs: int(env, 'RECOMMENDATION_CACHE_MS', 600000),
    metricsToken: env.METRICS_TOKEN || null,
  };
}
