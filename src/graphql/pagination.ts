/**
 * Relay cursor connections. Cursors are opaque base64url JSON of the sort key of the last
 * row, so pages stay stable while rows are inserted (keyset pagination).
 */
import { badInput } from '../errors';
import { MAX_INT4 } from './ids';
import { EARLIEST_TIME, LATEST_TIME } from './validation';

export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

export interface Page<K> {
  limit: number;
  after: K | null;
}

export const DEFAULT_PAGE_SIZE = 20;

export function encodeCursor(key: unknown): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** Validates `first` against the maximum and decodes `after`; `isKey` checks the decoded shape. */
export function readPage<K>(args: PageArgs, maxPageSize: number, isKey: (value: unknown) => value is K): Page<K> {
  const first = args.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0) throw badInput('`first` must be a non-negative integer', 'first');
  if (first > maxPageSize) throw badInput(`\`first\` must be at most ${maxPageSize}`, 'first');
  if (args.after == null) return { limit: first, after: null };
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(args.after, 'base64url').toString('utf8'));
  } catch {
    throw badInput('`after` is not a valid cursor', 'after');
  }
  if (!isKey(decoded)) throw badInput('`after` is not a valid cursor', 'after');
  return { limit: first, after: decoded };
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

/**
 * A cursor encoded only if the query selects it (a JSON and a base64 pass each; most pages are
 * rendered without cursors): graphql-js's default resolver calls a function-valued field.
 * Typed as the string it resolves to; nothing in the resolvers reads a cursor itself.
 */
function lazyCursor<T>(keyOf: (row: T, index: number) => unknown, row: T, index: number): string {
  return (() => encodeCursor(keyOf(row, index))) as unknown as string;
}

/**
 * A connection from up to limit+1 rows (the extra row only says a next page exists), each
 * edge made by `edgeOf` from its row and cursor in one pass (e.g. with a score).
 */
export function connectionOf<T, E>(rows: T[], page: Page<unknown>, keyOf: (row: T, index: number) => unknown, edgeOf: (row: T, cursor: string) => E) {
  const count = Math.min(rows.length, page.limit);
  const edges: E[] = [];
  let startCursor: string | null = null;
  let endCursor: string | null = null;
  for (let i = 0; i < count; i++) {
    const cursor = lazyCursor(keyOf, rows[i] as T, i);
    edges.push(edgeOf(rows[i] as T, cursor));
    if (i === 0) startCursor = cursor;
    endCursor = cursor;
  }
  return { edges, pageInfo: { hasNextPage: rows.length > page.limit, hasPreviousPage: page.after !== null, startCursor, endCursor } };
}

/** Builds a connection from up to limit+1 rows, each row the node of its edge. */
export function toConnection<T>(rows: T[], page: Page<unknown>, keyOf: (row: T) => unknown): Connection<T> {
  return connectionOf(rows, page, keyOf, (node, cursor) => ({ cursor, node }));
}

// Cursors are client-controlled: every key is checked to fit the column it is compared with,
// so a forged cursor is BAD_USER_INPUT and never an out-of-range error from Postgres.
const isIntBetween = (value: unknown, min: number, max: number): value is number =>
  Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max;

/** Ids of int4 keys (users, items, model versions, runs). */
export const isIdKey = (value: unknown): value is number => isIntBetween(value, 1, MAX_INT4);

/** Ids of int8 keys that travel as JSON numbers (interactions): any positive safe integer. */
export const isBigIdKey = (value: unknown): value is number => isIntBetween(value, 1, Number.MAX_SAFE_INTEGER);

// The exact form toISOString writes, so the instant is unambiguous and within what we store.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const isStoredInstant = (value: unknown): value is string => {
  if (typeof value !== 'string' || !ISO_INSTANT.test(value)) return false;
  const time = Date.parse(value);
  return time >= EARLIEST_TIME && time <= LATEST_TIME;
};

/** [ISO time, user id] keys for follow lists ordered by time then id, newest first. */
export const isTimeIdKey = (value: unknown): value is [string, number] =>
  Array.isArray(value) && value.length === 2 && isStoredInstant(value[0]) && isIdKey(value[1]);

/** [ISO time, interaction id] keys. */
export const isTimeBigIdKey = (value: unknown): value is [string, number] =>
  Array.isArray(value) && value.length === 2 && isStoredInstant(value[0]) && isBigIdKey(value[1]);

/** Offset keys for ranked lists (recommendations), where the list itself is the order. */
export const isOffsetKey = (value: unknown): value is number => isIntBetween(value, 0, 100000);
