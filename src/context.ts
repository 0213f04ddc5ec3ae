/** The per-request context: who is asking, the database, fresh loaders and the recommender. */
import type { Viewer } from './auth';
import type { Config } from './config';
import type { Database } from './db/client';
import { createLoaders, type Loaders } from './db/loaders';
import type { PrismaClient } from './generated/prisma/client';
import type { Logger } from './logger';
import type { RecommenderService } from './recommender/serve/service';
import type { OnlineEvaluation } from './online/online';

export interface AppServices {
  config: Config;
  db: Database;
  logger: Logger;
  recommender: RecommenderService;
  online: OnlineEvaluation;
}

export interface Context extends AppServices {
  prisma: PrismaClient;
  viewer: Viewer | null;
  loaders: Loaders;
}

export function createContext(services: AppServices, viewer: Viewer | null): Context {
  // Shared rows only while change notes flow; otherwise every request reads the database.
  const shared = services.recommender.cachesLive ? services.recommender.sharedRows() : undefined;
  // Spelled out, not `{ ...services, ... }`: on Node 20 a spread followed by more properties
  // costs microseconds, and Apollo copies the context again per request (its `cloneObject`),
  // which is slow too from an object built that way (docs/benchmarks.md, branch reqpath3).
  const { config, db, logger, recommender, online } = services;
  return { config, db, logger, recommender, online, prisma: db.prisma, viewer, loaders: createLoaders(db, viewer, shared) };
}
