/**
 * Identity comes from the host app's identity provider: `Authorization: Bearer <JWT>`,
 * HS256 with JWT_SECRET or keys from JWT_JWKS_URL. `sub` is our user id; a `role` claim of
 * ADMIN (or `roles` containing it) makes the request an admin's.
 *
 * Token policy: the algorithm is pinned (HS256 for a secret; RS/PS/ES/EdDSA for a JWKS), so
 * `alg: none` and algorithm confusion are refused; `exp` is required and checked with 30 s of
 * clock tolerance (a token without an expiry would be valid forever); `nbf`, `iss` and `aud`
 * are checked when present or configured; `sub` must be a decimal user id in Postgres int4
 * range. Whether the user exists and is not erased is checked per request (app.ts), because
 * the identity provider cannot know about our privacy erase.
 */
import { createSecretKey } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import type { Config } from './config';
import { GraphQLError } from 'graphql';
import { ErrorCode, RETRY_AFTER_SECONDS, unauthenticated } from './errors';
import { MAX_INT4 } from './graphql/ids';

export interface Viewer {
  userId: number;
  isAdmin: boolean;
}

export type TokenVerifier = (token: string) => Promise<JWTPayload>;

const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const CLOCK_TOLERANCE_SECONDS = 30;
/** Longer headers are refused before any decoding work (JWTs are a few hundred bytes). */
const MAX_HEADER_LENGTH = 8192;

export function createTokenVerifier(config: Config): TokenVerifier {
  const options = {
    issuer: config.jwtIssuer ?? undefined,
    audience: config.jwtAudience ?? undefined,
    requiredClaims: ['exp', 'sub'],
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
  };
  if (config.jwksUrl) {
    const keys = createRemoteJWKSet(new URL(config.jwksUrl));
    const asymmetric = { ...options, algorithms: ASYMMETRIC_ALGORITHMS };
    return async (token) => (await jwtVerify(token, keys, asymmetric)).payload;
  }
  // A KeyObject made once: given bytes, jose makes one per verification (about 2% of a request's CPU).
  const secret = createSecretKey(Buffer.from(config.jwtSecret ?? '', 'utf8'));
  const hs256 = { ...options, algorithms: ['HS256'] };
  return async (token) => (await jwtVerify(token, secret, hs256)).payload;
}

function isKeySetOutage(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && ['ERR_JWKS_TIMEOUT', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN'].includes(code);
}

function unavailable(): GraphQLError {
  return new GraphQLError('The identity provider is unreachable; retry later', {
    extensions: { code: ErrorCode.SERVICE_UNAVAILABLE, retryAfterSeconds: RETRY_AFTER_SECONDS, http: { status: 503, headers: new Map([['retry-after', String(RETRY_AFTER_SECONDS)]]) } },
  });
}

function isAdminClaim(payload: JWTPayload): boolean {
  const role = payload.role;
  const roles = payload.roles;
  return role === 'ADMIN' || (Array.isArray(roles) && roles.includes('ADMIN'));
}

/** A user id from `sub`: decimal digits only (no "1e3", " 7", "0x10"), within int4. */
export function userIdFromSubject(sub: unknown): number | null {
  if (typeof sub !== 'string' || !/^[1-9][0-9]{0,9}$/.test(sub)) return null;
  const id = Number(sub);
  return id <= MAX_INT4 ? id : null;
}

/**
 * Null for anonymous requests; throws UNAUTHENTICATED (HTTP 401) for a present but invalid
 * header or token; SERVICE_UNAVAILABLE (503) when the JWKS cannot be fetched.
 */
export async function viewerFromHeader(header: string | undefined, verify: TokenVerifier): Promise<Viewer | null> {
  if (header === undefined) return null;
  const match = header.length <= MAX_HEADER_LENGTH ? /^Bearer +([A-Za-z0-9_.-]+)$/i.exec(header.trim()) : null;
  if (!match) throw unauthenticated('Authorization header must be "Bearer <token>"', 401);
  let payload: JWTPayload;
  try {
    payload = await verify(match[1]);
  } catch (error) {
    // The identity provider's key set could not be fetched: not the client's fault, retryable.
    if (isKeySetOutage(error)) throw unavailable();
    throw unauthenticated('Invalid or expired token', 401);
  }
  const userId = userIdFromSubject(payload.sub);
  if (userId === null) throw unauthenticated('Token subject is not a user id', 401);
  return { userId, isAdmin: isAdminClaim(payload) };
}

/** Development and test tokens (`npm run token`). */
export async function mintToken(
  secret: string,
  userId: number,
  options: { admin?: boolean; expiresIn?: string } = {},
): Promise<string> {
  return new SignJWT({ role: options.admin ? 'ADMIN' : 'USER' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(String(userId))
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '12h')
    .sign(new TextEncoder().encode(secret));
}
