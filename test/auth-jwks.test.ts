import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { startTestServer, type TestServer } from './helpers/server';

/** Tokens from an identity provider that publishes its keys as a JWKS (a local stand-in). */
describe('JWKS verification', () => {
  let jwks: http.Server;
  let t: TestServer;
  let sign: (sub: string, extra?: object, issuer?: string) => Promise<string>;

  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    jwks = http.createServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
    t = await startTestServer({ JWT_JWKS_URL: url, JWT_SECRET: '', JWT_ISSUER: 'https://idp.example', NODE_ENV: 'production' });
    sign = (sub, extra = {}, issuer = 'https://idp.example') =>
      new SignJWT({ ...extra }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setSubject(sub).setIssuer(issuer).setExpirationTime('5m').sign(privateKey);
  });
  afterAll(async () => {
    await t.close();
    jwks.close();
  });

  it('accepts tokens signed with a published key and the right issuer, and nothing else', async () => {
    const user = await t.make.user();
    const ok = await t.gql(`{ viewer { handle } }`, {}, await sign(String(user.id)));
    expect(ok.data.viewer.handle).toBe(user.handle);
    const admin = await t.gql(`{ modelStatus { backend } }`, {}, await sign(String(user.id), { role: 'ADMIN' }));
    expect(admin.errors).toBeUndefined();
    const hs256 = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(String(user.id)).setIssuer('https://idp.example').sign(new TextEncoder().encode('x'.repeat(32)));
    expect((await t.gql(`{ viewer { handle } }`, {}, hs256)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const otherIssuer = await sign(String(user.id), {}, 'https://evil.example');
    expect((await t.gql(`{ viewer { handle } }`, {}, otherIssuer)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('an unreachable identity provider', () => {
  it('answers 503 SERVICE_UNAVAILABLE, not 401: the token may be fine', async () => {
    const down = http.createServer();
    await new Promise<void>((resolve) => down.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(down.address() as AddressInfo).port}/jwks.json`;
    await new Promise<void>((resolve) => down.close(() => resolve()));
    const t = await startTestServer({ JWT_JWKS_URL: url, JWT_SECRET: '' });
    try {
      const { privateKey } = await generateKeyPair('RS256');
      const token = await new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setSubject('1').setExpirationTime('5m').sign(privateKey);
      const res = await t.gql(`{ viewer { id } }`, {}, token);
      expect(res.status).toBe(503);
      expect(res.errors?.[0].extensions?.code).toBe('SERVICE_UNAVAILABLE');
    } finally {
      await t.close();
    }
  });
});
