/**
 * Per-client request budget on /graphql: signed-in users by user id, anonymous callers by
 * address. Over budget, the request is answered 429 with a GraphQL error RATE_LIMITED and a
 * Retry-After header, before any parsing or database work.
 */
import type { NextFunction, Request, Response } from 'express';
import { decodeJwt } from 'jose';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { ErrorCode } from './errors';

/** The key is only for bucketing: an unverified `sub` can spend its own budget, nobody else's. */
function clientKey(req: Request): string {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) {
    try {
      const sub = decodeJwt(header.slice(7)).sub;
      if (sub) return `user:${sub}`;
    } catch {
      // a malformed token is refused later, with UNAUTHENTICATED; bucket it by address
    }
  }
  return `ip:${req.ip}`;
}

export function rateLimit(requestsPerMinute: number) {
  const limiter = new RateLimiterMemory({ points: requestsPerMinute, duration: 60 });
  return async (req: Request, res: Response, next: NextFunction) => {
    if (requestsPerMinute <= 0 || req.method === 'OPTIONS') return next();
    try {
      await limiter.consume(clientKey(req));
      next();
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) return next(rejection);
      const seconds = Math.ceil(rejection.msBeforeNext / 1000);
      res
        .status(429)
        .set('Retry-After', String(seconds))
        .json({ errors: [{ message: `Too many requests: retry in ${seconds}s`, extensions: { code: ErrorCode.RATE_LIMITED, retryAfterSeconds: seconds } }] });
    }
  };
}
