/**
 * The one enum of error codes clients see in `extensions.code`, small constructors, and the
 * rule that sorts database failures into the client's fault, an outage, or a bug.
 * Expected, user-fixable mutation failures are not thrown: they are `userErrors` in payloads.
 */
import { GraphQLError } from 'graphql';

export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  RATE_LIMITED: 'RATE_LIMITED',
  /** The database is unreachable or overloaded: retry later (HTTP 503, Retry-After). */
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
  // Apollo Server's own codes. They pass through unchanged because clients act on them:
  // Apollo Client's persisted-query link resends the full query on PERSISTED_QUERY_NOT_FOUND.
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  BAD_REQUEST: 'BAD_REQUEST',
  PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  PERSISTED_QUERY_NOT_SUPPORTED: 'PERSISTED_QUERY_NOT_SUPPORTED',
  OPERATION_RESOLUTION_FAILURE: 'OPERATION_RESOLUTION_FAILURE',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));

/** Seconds a client is asked to wait before retrying after SERVICE_UNAVAILABLE. */
export const RETRY_AFTER_SECONDS = 5;

function error(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extra } });
}

/** `http` sets the response status when the error ends the request before execution (auth). */
export const unauthenticated = (message = 'Sign in to do this', httpStatus?: number) =>
  error(ErrorCode.UNAUTHENTICATED, message, httpStatus ? { http: { status: httpStatus } } : {});
export const forbidden = (message = 'You may not do this') => error(ErrorCode.FORBIDDEN, message);
export const notFound = (what: string) => error(ErrorCode.NOT_FOUND, `${what} not found`);
export const badInput = (message: string, field?: string) =>
  error(ErrorCode.BAD_USER_INPUT, message, field ? { field } : {});
export const serviceUnavailable = () =>
  error(ErrorCode.SERVICE_UNAVAILABLE, 'The service is temporarily unavailable; retry later', {
    retryAfterSeconds: RETRY_AFTER_SECONDS,
  });

/** True for our codes and Apollo's (messages safe to show). */
export function isKnownCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && KNOWN_CODES.has(code);
}

// SQLSTATE classes (https://www.postgresql.org/docs/current/errcodes-appendix.html).
// 22xxx data exceptions and 23xxx integrity violations on statements built from client input
// are the client's fault; 08xxx connection, 53xxx resources and 57P0x shutdown are outages.
const CLIENT_SQLSTATE = /^(22|23)/;
const OUTAGE_SQLSTATE = /^(08|53|57P0)/;
// Prisma's codes for the same: P2000 too long, P2002 unique, P2003 foreign key, P2007 data
// validation, P2020 out of range, P2025 record not found, P2033 number too large; P1001/P1002
// unreachable, P1008 timeout, P1017 connection closed, P2024 pool timeout.
const CLIENT_PRISMA = new Set(['P2000', 'P2002', 'P2003', 'P2007', 'P2020', 'P2033']);
const OUTAGE_PRISMA = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
const OUTAGE_ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'DatabaseDoesNotExist', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);
const OUTAGE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);
const OUTAGE_MESSAGE = /connection terminated|timeout exceeded when trying to connect|connection (?:is )?(?:closed|ended)|can't reach database server|client has encountered a connection error|Cannot use a pool after calling end/i;

interface Described {
  code?: unknown;
  message?: unknown;
  kind?: unknown;
  originalCode?: unknown;
  severity?: unknown;
  meta?: { driverAdapterError?: { cause?: Described } };
  cause?: unknown;
}

/**
 * What a database failure means for the client: its own input (BAD_USER_INPUT, or NOT_FOUND for
 * a row that vanished or a reference to one that does not exist), an outage (SERVICE_UNAVAILABLE),
 * or null for anything else (a bug: masked as INTERNAL_SERVER_ERROR). Follows `cause` chains.
 */
export function classifyDatabaseError(thrown: unknown): ErrorCode | null {
  for (let e = thrown as Described | undefined, depth = 0; e && typeof e === 'object' && depth < 5; e = e.cause as Described, depth++) {
    const adapter = e.meta?.driverAdapterError?.cause;
    const sqlState = String(adapter?.originalCode ?? (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : ''));
    const code = typeof e.code === 'string' ? e.code : '';
    // FATAL ends the session: the server refused or dropped the connection (shutdown, database
    // closed to connections, authentication), never a problem with one statement's input.
    if (adapter?.severity === 'FATAL' || e.severity === 'FATAL') return ErrorCode.SERVICE_UNAVAILABLE;
    if (code === 'P2025' || code === 'P2003' || sqlState === '23503') return ErrorCode.NOT_FOUND;
    if (CLIENT_PRISMA.has(code) || CLIENT_SQLSTATE.test(sqlState)) return ErrorCode.BAD_USER_INPUT;
    if (OUTAGE_PRISMA.has(code) || OUTAGE_SQLSTATE.test(sqlState) || OUTAGE_NODE_CODES.has(code)) return ErrorCode.SERVICE_UNAVAILABLE;
    if (typeof adapter?.kind === 'string' && OUTAGE_ADAPTER_KINDS.has(adapter.kind)) return ErrorCode.SERVICE_UNAVAILABLE;
    if (typeof e.message === 'string' && OUTAGE_MESSAGE.test(e.message)) return ErrorCode.SERVICE_UNAVAILABLE;
  }
  return null;
}

/** A user-fixable problem reported inside a mutation payload. */
export interface UserError {
  field: string[] | null;
  message: string;
  code: UserErrorCode;
}

export type UserErrorCode =
  | 'INVALID'
  | 'TAKEN'
  | 'NOT_FOUND'
  | 'SELF_REFERENCE'
  | 'BLOCKED'
  | 'TOO_MANY'
  | 'CONFLICT';

export const userError = (code: UserErrorCode, message: string, field: string[] | null = null): UserError => ({
  field,
  message,
  code,
});
