/**
 * Identity comes from the host app's identity provider: `Authorization: Bearer <JWT>`,
 * HS256 with JWT_SECRET or keys from JWT_JWKS_URL. `sub` is our user id; a `role` claim of
 * ADMIN (or `roles` containing it) makes the request an admin's.
 */
import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import type { Config } from './config';
import { unauthenticated } from './errors';

export interface Viewer {
  userId: number;
  isAdmin: boolean;
}

export type TokenVerifier = (token: string) => Promise<JWTPayload>;

export function createTokenVerifier(config: Config): TokenVerifier {
  const options = {
    issuer: config.jwtIssuer ?? undefined,
    audience: config.jwtAudience ?? undefined,
  };
  if (config.jwksUrl) {
    const keys = createRemoteJWKSet(new URL(config.jwksUrl));
    return async (token) => (await jwtVerify(token, keys, options)).payload;
  }
  const secret = new TextEncoder().encode(config.jwtSecret ?? '');
  return async (token) => (await jwtVerify(token, secret, { ...options, algorithms: ['HS256'] })).payload;
}

function isAdminClaim(payload: JWTPayload): boolean {
  const role = payload.role;
  const roles = payload.roles;
  return role === 'ADMIN' || (Array.isArray(roles) && roles.includes('ADMIN'));
}

/** Null for anonymous requests; throws UNAUTHENTICATED for a present but invalid token. */
export async function viewerFromHeader(header: string | undefined, verify: TokenVerifier): Promise<Viewer | null> {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!match) throw unauthenticated('Authorization header must be "Bearer <token>"');
  let payload: JWTPayload;
  try {
    payload = await verify(match[1]);
  } catch {
    throw unauthenticated('Invalid or expired token');
  }
  const userId = Number(payload.sub);
  if (!Number.isSafeInteger(userId) || userId <= 0) throw unauthenticated('Token subject is not a user id');
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
