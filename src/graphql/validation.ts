/** Input rules shared by mutations. Each check returns a UserError or null. */
import { userError, type UserError } from '../errors';

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
} as const;

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

export function handle(value: string | null | undefined, field: string[]): Check {
  if (value == null) return null;
  return (
    text(value, field, LIMITS.handle) ??
    (/^[A-Za-z0-9_.-]+$/.test(value) ? null : userError('INVALID', 'Use letters, digits, "_", "." or "-" only', field))
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
