/**
 * The one validation layer. `checkArguments` runs on the arguments of every field (wired in
 * resolvers.ts), so no resolver can forget it: every string is well-formed Unicode without NUL
 * (Postgres text cannot hold U+0000) and within a length limit, every DateTime lies in the range
 * we accept and can read back, every list is bounded. Field-specific rules (handles, tags, page
 * sizes) are the small checks below; mutations report theirs as UserErrors, queries throw.
 */
import { badInput, userError, type UserError } from '../errors';

export const LIMITS = {
  handle: { min: 3, max: 30 },
  displayName: { min: 1, max: 100 },
  bio: { max: 500 },
  title: { min: 1, max: 200 },
  body: { max: 20000 },
  category: { max: 60 },
  tags: { count: 20, length: 40 },
  externalId: { max: 200 },
  recommendationId: { max: 100 },
  search: { max: 100 },
  /** Any other string argument or input field (ids, cursors, filters). */
  anyString: { max: 1000 },
  /** Any list argument; recordInteractions is bounded by MAX_BATCH_SIZE on its own. */
  anyList: { max: 10000 },
  /** Interaction values (ratings, play counts): finite and of a sane magnitude. */
  interactionValue: { max: 1e9 },
} as const;

/**
 * Times we store: not before 1970 (Postgres and JavaScript agree on every instant from there,
 * and nothing in this product happened earlier) and not past year 9999 (ISO 8601 with four
 * digits, which is what the DateTime scalar serialises; a later year could be stored but never
 * read back).
 */
export const EARLIEST_TIME = Date.UTC(1970, 0, 1);
export const LATEST_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

// Longer limits for the input fields that are long by nature; the per-field rules below are
// stricter and report UserErrors, this is the backstop that keeps giant strings out of SQL.
const LENGTH_BY_NAME: Record<string, number> = { body: 5 * LIMITS.body.max };

// A high surrogate not followed by a low one, or a low one not preceded by a high one: not
// Unicode, and Postgres would silently store U+FFFD instead.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function checkValue(value: unknown, path: string): void {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) throw badInput(`\`${path}\` must not contain NUL characters`, path);
    if (LONE_SURROGATE.test(value)) throw badInput(`\`${path}\` must be valid Unicode (no lone surrogates)`, path);
    const name = path.slice(path.lastIndexOf('.') + 1);
    const max = LENGTH_BY_NAME[name] ?? LIMITS.anyString.max;
    if (value.length > max) throw badInput(`\`${path}\` must be at most ${max} characters`, path);
  } else if (value instanceof Date) {
    const time = value.getTime();
    if (!(time >= EARLIEST_TIME && time <= LATEST_TIME)) throw badInput(`\`${path}\` must be between 1970 and 9999`, path);
  } else if (typeof value === 'number') {
    // GraphQL's Int and Float already refuse NaN and infinities; this keeps it so for JSON scalars.
    if (!Number.isFinite(value)) throw badInput(`\`${path}\` must be a finite number`, path);
  } else if (Array.isArray(value)) {
    if (value.length > LIMITS.anyList.max) throw badInput(`\`${path}\` has more than ${LIMITS.anyList.max} entries`, path);
    value.forEach((entry, i) => checkValue(entry, `${path}.${i}`));
  } else if (value && typeof value === 'object') {
    for (const [key, entry] of Object.entries(value)) checkValue(entry, `${path}.${key}`);
  }
}

/** Throws BAD_USER_INPUT naming the first bad argument (e.g. `input.3.recommendationId`). */
export function checkArguments(args: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(args)) checkValue(value, name);
}

/** Recommendation filters feed per-filter caches and candidate scans: keep them small. */
export function checkRecommendationFilter(filter: { category?: string | null; tags?: string[] | null } | null | undefined): void {
  if (!filter) return;
  if (filter.category != null && filter.category.length > LIMITS.category.max) {
    throw badInput(`\`filter.category\` must be at most ${LIMITS.category.max} characters`, 'filter.category');
  }
  if (filter.tags != null) {
    if (filter.tags.length > LIMITS.tags.count) throw badInput(`At most ${LIMITS.tags.count} tags`, 'filter.tags');
    if (filter.tags.some((tag) => tag.length > LIMITS.tags.length)) {
      throw badInput(`Tags must be at most ${LIMITS.tags.length} characters`, 'filter.tags');
    }
  }
}

type Check = UserError | null;

export function text(
  value: string | null | undefined,
  field: string[],
  { min = 0, max }: { min?: number; max: number },
): Check {
  if (value == null) return null;
  const length = value.trim().length;
  if (length < min) return userError('INVALID', min === 1 ? 'Must not be empty' : `Must be at least ${min} characters`, field);
  if (value.length > max) return userError('INVALID', `Must be at most ${max} characters`, field);
  return null;
}

/** `erased-<id>` is what the privacy erase renames a user to; nobody may take it beforehand. */
export const isReservedHandle = (value: string) => /^erased-/i.test(value);

export function handle(value: string | null | undefined, field: string[]): Check {
  if (value == null) return null;
  return (
    text(value, field, LIMITS.handle) ??
    (/^[A-Za-z0-9_.-]+$/.test(value) ? null : userError('INVALID', 'Use letters, digits, "_", "." or "-" only', field)) ??
    (isReservedHandle(value) ? userError('INVALID', 'Handles starting with "erased-" are reserved', field) : null)
  );
}

export function tags(value: string[] | null | undefined, field: string[]): Check {
  if (value == null) return null;
  if (value.length > LIMITS.tags.count) return userError('TOO_MANY', `At most ${LIMITS.tags.count} tags`, field);
  const bad = value.find((tag) => tag.trim().length === 0 || tag.length > LIMITS.tags.length);
  return bad === undefined ? null : userError('INVALID', `Tags must be 1-${LIMITS.tags.length} characters`, field);
}

/** Normalised tags: trimmed, lower case, unique. */
export const normaliseTags = (value: string[]) => [...new Set(value.map((tag) => tag.trim().toLowerCase()))];

export function errorsOf(...checks: Check[]): UserError[] {
  return checks.filter((check): check is UserError => check !== null);
}

/** Prisma's unique-constraint violation, for turning races into TAKEN instead of a 500. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: string }).code === 'P2002';
}
