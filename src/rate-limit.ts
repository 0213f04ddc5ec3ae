/**
 * Per-client request budget on /graphql: requests with a verified token by user id, all others
 * (anonymous, or a token that failed verification) by address. Over budget, the request is
 * answered 429 with a GraphQL error RATE_LIMITED and a Retry-After header, before any parsing
 * or database work.
 *
 * The key comes only from `res.locals.auth`, set by `authenticate` after the signature and
 * claims were verified: a forged token naming a victim spends the forger's address budget,
 * never the victim's.
 */
import type { NextFunction, Request, Response } from 'express';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { Viewer } from './auth';
import { ErrorCode } from './errors';

/** What `authenticate` found: a verified viewer, no token, or a refusal to answer with. */
export type RequestAuth = { viewer: Viewer | null } | { error: Error };

function clientKey(req: Request, res: Response): string {
  const auth = res.locals.auth as RequestAuth | undefined;
  if (auth && 'viewer' in auth && auth.viewer) return `user:${auth.viewer.userId}`;
  return `ip:${req.ip}`;
}

export function rateLimit(requestsPerMinute: number) {
  const limiter = new RateLimiterMemory({ points: requestsPerMinute, duration: 60 });
  return async (req: Request, res: Response, next: NextFunction) => {
    if (requestsPerMinute <= 0 || req.method === 'OPTIONS') return next();
    try {
      await limiter.consume(clientKey(req, res));
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
