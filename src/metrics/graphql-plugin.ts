/**
 * The app's metrics hook: while the server runs, its scrape sources are registered (model
 * versions, pool usage; see ./app-sources.ts), and it times every GraphQL operation into graphql_operation_duration_seconds. Label values stay
 * bounded whatever clients send: names are only taken from operations that parsed and
 * resolved, must look like GraphQL names, and past MAX_OPERATION_NAMES distinct ones the
 * rest collapse into "(other)". Outcomes are "ok" or one of a fixed set of error codes.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { AppServices } from '../context';
import { isKnownCode } from '../errors';
import { registerAppSources } from './app-sources';
import { processMetrics } from './registry';

export const MAX_OPERATION_NAMES = 200;
const NAME = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/;
// Apollo's own codes for requests that never execute; anything else unknown is an internal error.
const APOLLO_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED', 'OPERATION_RESOLUTION_FAILURE']);

export function metricsPlugin(services: Pick<AppServices, 'db' | 'recommender'>): ApolloServerPlugin {
  // Process-wide, so several apps in one process still share one cap.
  const seen = processMetrics().operationNames;
  const operationLabel = (name: string | null | undefined, resolved: boolean): string => {
    if (!resolved) return '(invalid)';
    if (!name) return '(anonymous)';
    if (!NAME.test(name)) return '(other)';
    if (!seen.has(name)) {
      if (seen.size >= MAX_OPERATION_NAMES) return '(other)';
      seen.add(name);
    }
    return name;
  };
  return {
    async serverWillStart() {
      const unregister = registerAppSources(services.db, services.recommender);
      return { serverWillStop: async () => unregister() };
    },
    async requestDidStart() {
      const stop = processMetrics().operationSeconds.startTimer();
      return {
        async willSendResponse({ operation, operationName, errors }) {
          const code = errors?.[0]?.extensions?.code;
          const outcome = !errors?.length ? 'ok' : isKnownCode(code) || (typeof code === 'string' && APOLLO_CODES.has(code)) ? code : 'INTERNAL_SERVER_ERROR';
          stop({ operation: operationLabel(operationName, Boolean(operation)), type: operation?.operation ?? 'none', outcome });
        },
      };
    },
  };
}
