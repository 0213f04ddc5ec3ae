/**
 * The HTTP surface: Apollo Server on /graphql behind CORS, authentication, rate limiting,
 * query limits (GraphQL Armor, graphql-js token limit), error masking and HTTP statuses,
 * health endpoints and an offline GraphiQL page.
 *
 * /graphql, in order: CORS -> authenticate (verify the token) -> rate limit (by verified user,
 * else address) -> GraphiQL for browsers -> JSON body -> Apollo (context: the viewer must be an
 * active user) -> body errors as GraphQL-shaped JSON.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import cors from 'cors';
import express from 'express';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import http from 'node:http';
import { createTokenVerifier, viewerFromHeader, type TokenVerifier } from './auth';
import { createContext, type AppServices, type Context } from './context';
import { pendingMigrations } from './db/migrate';
import { classifyDatabaseError, ErrorCode, isKnownCode, RETRY_AFTER_SECONDS, serviceUnavailable, unauthenticated } from './errors';
import { graphiqlPage, graphiqlAssets } from './graphiql';
import { buildResolvers } from './graphql/resolvers';
import { projectRoot } from './paths';
import { rateLimit, type RequestAuth } from './rate-limit';
import { loadOrNull } from './graphql/access';
// Operator surface (issue 9): metrics and the admin console.
import { adminConsole } from './admin/route';
import { metricsEndpoint } from './metrics/endpoint';
import { metricsPlugin } from './metrics/graphql-plugin';

export function loadTypeDefs(): string {
  return fs.readFileSync(path.join(projectRoot(), 'schema.graphql'), 'utf8');
}

/**
 * What clients see of an error. Ours (GraphQLErrors with a code from the enum) and Apollo's own
 * (parse, validation, persisted queries: clients act on them) keep code and message. Database
 * failures are sorted once, here: the client's fault becomes BAD_USER_INPUT or NOT_FOUND, an
 * outage SERVICE_UNAVAILABLE (HTTP 503 via `httpStatus`). Everything else is a bug: logged
 * with its cause, masked as INTERNAL_SERVER_ERROR.
 */
export function formatError(services: AppServices) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    const thrown = unwrapResolverError(error);
    const where = { locations: formatted.locations, path: formatted.path };
    if (thrown instanceof GraphQLError && isKnownCode(code) && code !== ErrorCode.INTERNAL_SERVER_ERROR) {
      return { message: formatted.message, ...where, extensions: { ...formatted.extensions } };
    }
    // Apollo raises a few request-level errors without a code (an APQ hash that does not match
    // its query): no path, no cause, nothing of ours, so they describe the request itself.
    if (thrown instanceof GraphQLError && !thrown.originalError && !thrown.path && code === ErrorCode.INTERNAL_SERVER_ERROR) {
      return { message: formatted.message, ...where, extensions: { code: ErrorCode.BAD_REQUEST } };
    }
    switch (classifyDatabaseError(thrown)) {
      case ErrorCode.SERVICE_UNAVAILABLE:
        services.logger.warn({ err: thrown, path: formatted.path }, 'database unavailable');
        return { message: serviceUnavailable().message, ...where, extensions: { code: ErrorCode.SERVICE_UNAVAILABLE, retryAfterSeconds: RETRY_AFTER_SECONDS } };
      case ErrorCode.NOT_FOUND:
        services.logger.debug({ err: thrown, path: formatted.path }, 'reference to a missing row');
        return { message: 'A referenced record does not exist', ...where, extensions: { code: ErrorCode.NOT_FOUND } };
      case ErrorCode.BAD_USER_INPUT:
        services.logger.debug({ err: thrown, path: formatted.path }, 'input the database refused');
        return { message: 'An argument is malformed, out of range or already taken', ...where, extensions: { code: ErrorCode.BAD_USER_INPUT } };
      default:
        break;
    }
    services.logger.error({ err: thrown, path: formatted.path }, 'unexpected error');
    const message = services.config.env === 'development' ? formatted.message : 'Internal server error';
    return { message, path: formatted.path, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
  };
}

const requestError = (code: ErrorCode, message: string, status: number) =>
  new GraphQLError(message, { extensions: { code, http: { status } } });

/**
 * Requests that cannot run are the client's mistake, answered 400 before execution: a
 * document with several operations and no (or an unknown) operationName, and subscriptions,
 * which this HTTP endpoint does not serve (graphql-js would fail them as an internal error).
 */
const operationSelection: ApolloServerPlugin<Context> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ operation, request }) {
        if (!operation) {
          throw requestError(
            ErrorCode.BAD_USER_INPUT,
            request.operationName ? `No operation named "${String(request.operationName).slice(0, 100)}"` : 'Several operations: give operationName',
            400,
          );
        }
        if (operation.operation === 'subscription') throw requestError(ErrorCode.BAD_USER_INPUT, 'Subscriptions are not supported over HTTP', 400);
      },
    };
  },
};

/**
 * Responses are per viewer and never cached: `Cache-Control: no-store`, as Apollo's cache-control
 * plugin would send without hints. That plugin is disabled because its per-field hook makes
 * Apollo wrap every resolver of the schema and call it per field (docs/benchmarks.md).
 * SERVICE_UNAVAILABLE anywhere in a response makes it HTTP 503 with Retry-After.
 */
const httpStatus: ApolloServerPlugin<Context> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response }) {
        response.http.headers.set('cache-control', 'no-store');
        const errors = response.body.kind === 'single' ? response.body.singleResult.errors : response.body.initialResult.errors;
        if (errors?.some((e) => e.extensions?.code === ErrorCode.SERVICE_UNAVAILABLE)) {
          response.http.status = 503;
          response.http.headers.set('retry-after', String(RETRY_AFTER_SECONDS));
        }
      },
    };
  },
};

/**
 * Verifies the bearer token once per request, before rate limiting (which keys on the result)
 * and before Apollo (whose context reuses it). A refusal is kept, not sent: Apollo answers it
 * as a GraphQL error with HTTP 401, in the response format the client asked for.
 */
function authenticate(verify: TokenVerifier) {
  return async (req: express.Request, res: express.Response, next: express.NextFunction) => {
    try {
      res.locals.auth = { viewer: await viewerFromHeader(req.headers.authorization, verify) } satisfies RequestAuth;
    } catch (error) {
      res.locals.auth = { error: error as Error } satisfies RequestAuth;
    }
    next();
  };
}

/**
 * The per-request context. A verified token is not enough: its user must exist and not be
 * erased (an identity provider knows nothing of our privacy erase), else UNAUTHENTICATED, 401.
 */
async function contextFor(services: AppServices, res: express.Response): Promise<Context> {
  const auth = res.locals.auth as RequestAuth;
  if ('error' in auth) throw auth.error;
  const ctx = createContext(services, auth.viewer);
  if (auth.viewer) {
    let user;
    try {
      user = await loadOrNull(ctx.loaders.user, auth.viewer.userId);
    } catch (error) {
      if (classifyDatabaseError(error) !== ErrorCode.SERVICE_UNAVAILABLE) throw error;
      services.logger.warn({ err: error }, 'database unavailable');
      throw new GraphQLError(serviceUnavailable().message, {
        extensions: { code: ErrorCode.SERVICE_UNAVAILABLE, retryAfterSeconds: RETRY_AFTER_SECONDS, http: { status: 503, headers: new Map([['retry-after', String(RETRY_AFTER_SECONDS)]]) } },
      });
    }
    if (!user || user.erasedAt) throw unauthenticated('The token names no active user', 401);
  }
  return ctx;
}

/**
 * Errors from the body parser (too large, malformed JSON, unsupported charset) and anything
 * else thrown before Apollo: a GraphQL-shaped JSON body, never Express's HTML page or a stack.
 */
function bodyErrors(services: AppServices): express.ErrorRequestHandler {
  return (error: { status?: number; type?: string }, _req, res, next) => {
    if (res.headersSent) return next(error);
    const status = error.status && error.status >= 400 && error.status < 500 ? error.status : 500;
    if (status === 500) services.logger.error({ err: error }, 'unexpected error before GraphQL');
    const message =
      status === 413 ? 'Request body too large' : status === 415 ? 'Unsupported content type or charset: send UTF-8 JSON' : status === 500 ? 'Internal server error' : 'Malformed request body: send a JSON object';
    const code = status === 500 ? ErrorCode.INTERNAL_SERVER_ERROR : ErrorCode.BAD_REQUEST;
    res.status(status).json({ errors: [{ message, extensions: { code } }] });
  };
}

function requestLogger(services: AppServices): ApolloServerPlugin<Context> {
  // Below debug there is nothing to log: no hooks, so Apollo has none to call per request.
  if (!services.logger.isLevelEnabled('debug')) return {};
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
    // Armor's token limit parses in a plugin hook, so its rejections (and every syntax error)
    // surface as HTTP 500; graphql-js enforces the same limit in the parser (`parseOptions`).
    maxTokens: { enabled: false },
    blockFieldSuggestion: { enabled: config.env === 'production' },
  }).protect();
  const typeDefs = loadTypeDefs();
  const apollo = new ApolloServer<Context>({
    typeDefs,
    resolvers: buildResolvers(typeDefs) as never,
    validationRules: armor.validationRules,
    parseOptions: { maxTokens: config.maxQueryTokens },
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
      ApolloServerPluginCacheControlDisabled(),
      operationSelection,
      httpStatus,
      requestLogger(services),
      metricsPlugin(services),
    ],
  });
  await apollo.start();

  const verify = createTokenVerifier(config);
  app.disable('x-powered-by');
  // Express hashes every body it sends for an ETag (SHA-1 over a whole page of results); GraphQL
  // answers are per viewer and `no-store`, so no client could ever revalidate with one.
  app.disable('etag');
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
  // Operator surface: Prometheus scrape and the admin console (static files + GraphQL).
  app.get('/metrics', metricsEndpoint(config.metricsToken));
  app.use('/admin', adminConsole(services));

  app.use('/graphiql/assets', graphiqlAssets());
  app.get(['/', '/graphiql'], (_req, res) => {
    res.type('html').send(graphiqlPage('/graphql'));
  });
  app.use(
    '/graphql',
    cors({ origin: config.corsOrigins === '*' ? true : config.corsOrigins, maxAge: 600 }),
    authenticate(verify),
    rateLimit(config.rateLimitPerMinute),
    (req, res, next) => {
      // A browser opening /graphql gets the IDE instead of a GraphQL error.
      if (req.method === 'GET' && req.accepts(['json', 'html']) === 'html' && !req.query.query) {
        res.type('html').send(graphiqlPage('/graphql'));
        return;
      }
      next();
    },
    express.json({ limit: config.maxBodyBytes }),
    expressMiddleware(apollo, { context: ({ res }) => contextFor(services, res) }),
  );
  // Other routes (/admin, /metrics) go above this line.
  // Last: errors from any route above (body parser, assets) as GraphQL-shaped JSON.
  app.use(bodyErrors(services));
  return { httpServer, apollo };
}
