/**
 * GraphQL-over-HTTP conformance, checked with graphql-http's own audit against the real app.
 * Apollo Server answers 400 to `application/json` clients on parse and validation failures
 * (the spec's SHOULD is 200 there); those warnings are accepted on purpose, nothing else is.
 */
import { auditServer } from 'graphql-http';
import { startTestServer, type TestServer } from '../helpers/server';

// Audit ids whose warning is Apollo's deliberate 400 for application/json (parse, validation
// and variable-coercion failures).
const ACCEPTED_WARNINGS = new Set(['572B', 'FDE2', '7B9B']);

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ RATE_LIMIT_PER_MINUTE: '0' });
});
afterAll(() => t.close());

it('passes the graphql-http server audit with only the accepted warnings', async () => {
  const results = await auditServer({ url: t.server.url });
  const failures = results.filter((result) => result.status === 'error').map((r) => `${r.id} ${r.name}: ${(r as { reason?: string }).reason}`);
  const warnings = results.filter((result) => result.status === 'warn').map((r) => `${r.id} ${r.name}: ${(r as { reason?: string }).reason}`);
  expect(failures).toEqual([]);
  expect(warnings.filter((w) => !ACCEPTED_WARNINGS.has(w.slice(0, 4)))).toEqual([]);
});
