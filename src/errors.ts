/**
 * The one enum of error codes clients see in `extensions.code`, and small constructors.
 * Expected, user-fixable mutation failures are not thrown: they are `userErrors` in payloads.
 */
import { GraphQLError } from 'graphql';

export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  RATE_LIMITED: 'RATE_LIMITED',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));

function error(code: ErrorCode, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extra } });
}

export const unauthenticated = (message = 'Sign in to do this') => error(ErrorCode.UNAUTHENTICATED, message);
export const forbidden = (message = 'You may not do this') => error(ErrorCode.FORBIDDEN, message);
export const notFound = (what: string) => error(ErrorCode.NOT_FOUND, `${what} not found`);
export const badInput = (message: string, field?: string) =>
  error(ErrorCode.BAD_USER_INPUT, message, field ? { field } : {});

/** True for errors whose message is safe to show: ours, and graphql-js validation errors. */
export function isKnownCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && KNOWN_CODES.has(code);
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
