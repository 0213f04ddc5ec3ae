/**
 * One fixed-concurrency, fixed-duration load run of a scenario with autocannon's programmatic
 * API. Every request takes the next pre-built body (setupRequest); one response in
 * SAMPLE_EVERY is parsed and checked for GraphQL `errors`, which arrive with HTTP 200 and so
 * are invisible to autocannon's own error and non-2xx counts.
 */
import type { Scenario } from './scenarios';

// autocannon ships no type declarations; this is the part of its API used here.
interface AutocannonRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  setupRequest?: (request: AutocannonRequest) => AutocannonRequest;
  onResponse?: (status: number, body: string) => void;
}
interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number; max: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = require('autocannon') as Autocannon;

const SAMPLE_EVERY = 10;

export interface LoadOptions {
  baseUrl: string;
  token: string;
  connections: number;
  durationSeconds: number;
  /** Send exactly this many requests instead of running for `durationSeconds`. */
  amount?: number;
}

export interface LoadResult {
  scenario: string;
  requestsPerSecond: number;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
  /** Socket errors, timeouts included. */
  errors: number;
  non2xx: number;
  sampled: number;
  /** Sampled responses with GraphQL `errors` (or no data). */
  graphqlErrors: number;
  firstGraphqlError: string | null;
  /** Sampled responses whose list was empty. */
  emptyLists: number;
  /** Seconds the server needed after the run to finish what the run left behind (set by the caller). */
  drainSeconds: number;
  /** SQL statements Postgres received during the run (counted on the wire) per request; null when not counted. */
  sqlPerRequest: number | null;
  /**
   * CPU time the server process (all its threads) used during the run, per request, in ms;
   * null when not measured. Other work on the machine slows throughput far more than it
   * changes this, so small per-request costs show here first.
   */
  cpuMsPerRequest: number | null;
  /**
   * The trivial scenario around this run (the mean of its runs just before and just after),
   * when the caller bracketed it so: the ratios to trivial are taken against it, so that the
   * host's speed drifting between scenarios cancels out of them.
   */
  baseline?: { requestsPerSecond: number; p99Ms: number };
}

export async function runLoad(scenario: Scenario, options: LoadOptions): Promise<LoadResult> {
  let next = 0;
  let seen = 0;
  const check = { sampled: 0, graphqlErrors: 0, firstGraphqlError: null as string | null, emptyLists: 0 };
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${options.token}` };
  const request: AutocannonRequest = {
    method: 'POST',
    path: '/graphql',
    headers,
    body: scenario.bodies[0],
    setupRequest: (previous) => {
      const i = next++ % scenario.bodies.length;
      const authorization = scenario.tokens ? `Bearer ${scenario.tokens[i]}` : headers.authorization;
      return { ...previous, headers: { ...headers, authorization }, body: scenario.bodies[i] };
    },
    onResponse: (status, body) => {
      if (seen++ % SAMPLE_EVERY !== 0 || status !== 200) return;
      check.sampled++;
      try {
        const response = JSON.parse(body) as { data?: unknown; errors?: Array<{ message?: string }> };
        if (response.errors?.length || !response.data) {
          check.graphqlErrors++;
          check.firstGraphqlError ??= response.errors?.[0]?.message ?? 'no data';
          return;
        }
        if (scenario.edges(response.data)?.length === 0) check.emptyLists++;
      } catch {
        check.graphqlErrors++;
        check.firstGraphqlError ??= `unparseable response: ${body.slice(0, 120)}`;
      }
    },
  };
  const result = await autocannon({
    url: options.baseUrl,
    connections: options.connections,
    ...(options.amount ? { amount: options.amount } : { duration: options.durationSeconds }),
    timeout: 10,
    requests: [request],
  });
  return {
    scenario: scenario.name,
    requestsPerSecond: result.requests.average,
    requests: result.requests.total,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    meanMs: result.latency.average,
    maxMs: result.latency.max,
    errors: result.errors,
    non2xx: result.non2xx,
    ...check,
    drainSeconds: 0,
    sqlPerRequest: null,
    cpuMsPerRequest: null,
  };
}
