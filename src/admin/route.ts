/**
 * The admin console at /admin: a static page and a small ES module that talk to the public
 * GraphQL API only, with Chart.js served from node_modules (no CDN, works offline).
 *
 * The page is CSP-strict (no inline script or style), so it says so in its header. In
 * development only, POST /admin/dev-token mints an ADMIN token with the dev secret, for a
 * one-click sign-in; in production and tests that route does not exist.
 */
import path from 'node:path';
import express from 'express';
import { mintToken } from '../auth';
import type { AppServices } from '../context';
import { projectRoot } from '../paths';

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function adminConsole(services: Pick<AppServices, 'config' | 'db'>): express.Router {
  const { config } = services;
  const router = express.Router();
  // Read from the source tree in dev and from the checkout in a build: tsc copies no assets.
  const publicDir = path.join(projectRoot(), 'src', 'admin', 'public');
  // chart.js's "exports" hide its package.json; its main entry sits beside the UMD build in dist/.
  const chartJs = path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js');
  router.use((_req, res, next) => {
    res.set({ 'content-security-policy': CSP, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' });
    next();
  });
  router.get('/assets/chart.umd.min.js', (_req, res) => res.sendFile(chartJs, { maxAge: '1d' }));
  if (config.env === 'development' && config.jwtSecret) {
    const secret = config.jwtSecret;
    router.post('/dev-token', async (_req, res) => {
      // Acts as the first admin (or any user): admin queries need the role, not a particular user.
      const prisma = services.db.prisma;
      const user = (await prisma.user.findFirst({ where: { role: 'ADMIN' }, orderBy: { id: 'asc' } })) ?? (await prisma.user.findFirst({ orderBy: { id: 'asc' } }));
      res.set('cache-control', 'no-store').json({ token: await mintToken(secret, user?.id ?? 1, { admin: true, expiresIn: '8h' }), userId: user?.id ?? 1 });
    });
  }
  router.get('/config.json', (_req, res) => {
    res.set('cache-control', 'no-store').json({ devSignIn: config.env === 'development' && Boolean(config.jwtSecret) });
  });
  router.use(express.static(publicDir, { index: 'index.html', maxAge: 0 }));
  return router;
}
