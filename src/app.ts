/**
 * The HTTP surface: Apollo Server on /graphql behind CORS, query limits (GraphQL Armor),
 * error masking, health endpoints and an offline GraphiQL page.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import cors from 'cors';
import express from 'express';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import http from 'node:http';
import { createTokenVerifier, viewerFromHeader } from './auth';
import { createContext, type AppServices, type Context } from './context';
import { pendingMigrations } from './db/migrate';
import { ErrorCode, isKnownCode } from './errors';
import { graphiqlPage, graphiqlAssets } from './graphiql';
import { buildResolvers } from './graphql/resolvers';
import { projectRoot } from './paths';
import { rateLimit } from './rate-limit';

export function loadTypeDefs(): string {
  return fs.readFileSync(path.join(projectRoot(), 'schema.graphql'), 'utf8');
}

/**
 * Unknown errors become INTERNAL_SERVER_ERROR with a generic message (logged with their cause);
 * graphql-js parse and validation errors keep their message as BAD_USER_INPUT or their own code.
 */
export function formatError(services: AppServices) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    const thrown = unwrapResolverError(error);
    // Apollo labels every unexpected exception INTERNAL_SERVER_ERROR too; only errors we threw
    // on purpose (GraphQLErrors with one of our codes) keep their message.
    if (thrown instanceof GraphQLError && isKnownCode(code) && code !== ErrorCode.INTERNAL_SERVER_ERROR) {
      return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { ...formatted.extensions } };
    }
    if (code === 'GRAPHQL_PARSE_FAILED' || code === 'GRAPHQL_VALIDATION_FAILED' || code === 'BAD_REQUEST' || code === 'BAD_USER_INPUT') {
      return { message: formatted.message, locations: formatted.locations, extensions: { code: ErrorCode.BAD_USER_INPUT, reason: code } };
    }
    services.logger.error({ err: thrown, path: formatted.path }, 'unexpected error');
    const message = services.config.env === 'development' ? formatted.message : 'Internal server error';
    return { message, path: formatted.path, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
  };
}

function requestLogger(services: AppServices): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ request }) {
      const started = performance.now();
      return {
        async willSendResponse({ errors }) {
          services.logger.debug(
            { operation: request.operationName, ms: Math.round(performance.now() - started), errors: errors?.length ?? 0 },
            'graphql request',
          );
        },
      };
    },
  };
}

export interface App {
  httpServer: http.Server;
  apollo: ApolloServer<Context>;
}

export async function createApp(services: AppServices): Promise<App> {
  const { config } = services;
  const app = express();
  const httpServer = http.createServer(app);
  const armor = new ApolloArmor({
    maxDepth: { n: config.maxQueryDepth },
    costLimit: { maxCost: config.maxQueryCost },
    maxAliases: { n: config.maxAliases },
    maxDirectives: { n: 20 },
    maxTokens: { n: 5000 },
    blockFieldSuggestion: { enabled: config.env === 'production' },
  }).protect();
  const apollo = new ApolloServer<Context>({
    typeDefs: loadTypeDefs(),
    resolvers: buildResolvers() as never,
    validationRules: armor.validationRules,
    allowBatchedHttpRequests: false,
    // server.ts owns SIGTERM/SIGINT: Apollo's own handler would re-raise the signal once Apollo
    // alone has stopped, killing the process before runs and the database are closed.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: false,
    introspection: true,
    formatError: formatError(services),
    plugins: [
      ...armor.plugins,
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      requestLogger(services),
    ],
  });
  await apollo.start();

  const verify = createTokenVerifier(config);
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      const pending = await pendingMigrations(services.db);
      if (pending.length) res.status(503).json({ status: 'migrations pending', pending });
      else res.json({ status: 'ready', database: services.db.kind });
    } catch (error) {
      services.logger.warn({ err: error }, 'readiness check failed');
      res.status(503).json({ status: 'database unreachable' });
    }
  });
  app.use('/graphiql/assets', graphiqlAssets());
  app.get(['/', '/graphiql'], (_req, res) => {
    res.type('html').send(graphiqlPage('/graphql'));
  });
  app.use(
    '/graphql',
    cors({ origin: config.corsOrigins === '*' ? true : config.corsOrigins, maxAge: 600 }),
    rateLimit(config.rateLimitPerMinute),
    (req, res, next) => {
      // A browser opening /graphql gets the IDE instead of a GraphQL error.
      if (req.method === 'GET' && req.accepts(['json', 'html']) === 'html' && !req.query.query) {
        res.type('html').send(graphiqlPage('/graphql'));
        return;
      }
      next();
    },
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, {
      context: async ({ req }) => createContext(services, await viewerFromHeader(req.headers.authorization, verify)),
    }),
  );
  return { httpServer, apollo };
}
