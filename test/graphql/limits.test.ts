import { QUIET, startTestServer, type TestServer } from '../helpers/server';

// Each limit is tested with the others out of the way, so each test fails if its own
// protection is removed.
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ ...QUIET, MAX_PAGE_SIZE: '50', MAX_QUERY_DEPTH: '8', MAX_ALIASES: '10', MAX_QUERY_COST: '1000000000' });
});
afterAll(() => t.close());

describe('hostile and malformed requests', () => {
  it('rejects a page size over the maximum and a negative one', async () => {
    const over = await t.gql(`{ users(first: 51) { edges { cursor } } }`);
    expect(over.errors?.[0]).toMatchObject({ message: '`first` must be at most 50', extensions: { code: 'BAD_USER_INPUT' } });
    expect((await t.gql(`{ items(first: -1) { edges { cursor } } }`)).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect((await t.gql(`{ users(first: 2, after: "not-a-cursor") { edges { cursor } } }`)).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('rejects a depth bomb before executing it', async () => {
    const before = t.database.db.queryCount.value;
    let selection = 'id';
    for (let i = 0; i < 10; i++) selection = `followers { edges { node { ${selection} } } }`;
    const res = await t.gql(`{ users { edges { node { ${selection} } } } }`);
    expect(res.status).toBe(400);
    expect(res.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(res.errors?.[0].message).toMatch(/depth/i);
    expect(res.data).toBeUndefined();
    expect(t.database.db.queryCount.value).toBe(before);
  });

  it('rejects an alias bomb', async () => {
    const aliases = Array.from({ length: 50 }, (_, i) => `a${i}: viewer { id }`).join(' ');
    const res = await t.gql(`{ ${aliases} }`);
    expect(res.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(res.errors?.[0].message).toMatch(/alias/i);
  });

  it('rejects a query whose cost is too high', async () => {
    const costly = await startTestServer({ MAX_QUERY_COST: '2000', MAX_QUERY_DEPTH: '100', MAX_ALIASES: '1000' });
    const fields = `id handle displayName bio isPrivate role createdAt isViewer`;
    const wide = Array.from({ length: 7 }, (_, i) => `f${i}: users { edges { node { ${fields} followers { edges { node { ${fields} following { edges { node { ${fields} } } } } } } } } }`).join(' ');
    const res = await costly.gql(`{ ${wide} }`);
    await costly.close();
    expect(res.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(res.errors?.[0].message).toMatch(/cost/i);
  });

  it("reports syntax errors and unknown fields with Apollo's codes, HTTP 400, without internals", async () => {
    const syntax = await t.gql(`{ users { `);
    expect(syntax).toMatchObject({ status: 400, errors: [{ extensions: { code: 'GRAPHQL_PARSE_FAILED' } }] });
    const unknown = await t.gql(`{ nope }`);
    expect(unknown).toMatchObject({ status: 400, errors: [{ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] });
    expect(JSON.stringify(unknown)).not.toMatch(/stacktrace|at \w+ \(/);
  });

  it('masks unexpected errors: no stack traces or SQL reach the client', async () => {
    // Break the database under a server of its own, so the shared one lives on.
    const broken = await startTestServer({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) });
    await broken.database.db.prisma.$executeRawUnsafe(`DROP TABLE "Item" CASCADE`);
    const res = await broken.gql(`{ items { edges { node { id } } } }`);
    await broken.close();
    expect(res.errors?.[0]).toEqual({ message: 'Internal server error', path: ['items'], extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  });
});
