/** GET /metrics in the Prometheus text format; with METRICS_TOKEN set, only for `Bearer <token>`. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { metricsContentType, scrape } from './registry';

const digest = (value: string) => createHash('sha256').update(value).digest();

export function metricsEndpoint(token: string | null): RequestHandler {
  // Comparing digests keeps the comparison constant-time whatever the lengths.
  const expected = token ? digest(`Bearer ${token}`) : null;
  return async (req, res) => {
    if (expected && !timingSafeEqual(digest(req.headers.authorization ?? ''), expected)) {
      res.status(401).set('www-authenticate', 'Bearer realm="metrics"').type('text').send('metrics token required\n');
      return;
    }
    try {
      const body = await scrape();
      res.set('cache-control', 'no-store').type(metricsContentType()).send(body);
    } catch (error) {
      res.status(500).type('text').send(`scrape failed: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  };
}
