/**
 * Hostile and mistaken requests, as data: every argument of every operation with forged ids,
 * forged cursors, bad strings, numbers and dates, plus token forms, operation selection and body
 * encodings. Each case states the HTTP status and the code it must get (the first GraphQL error's
 * `extensions.code`, else the first `userErrors` code, else OK); every case must also leave
 * /healthz answering, answer JSON, and never come back INTERNAL_SERVER_ERROR.
 */
import { SignJWT } from 'jose';
import { startTestServer, TEST_SECRET, type TestServer } from '../helpers/server';

type Who = 'anonymous' | 'self' | 'admin';
interface Case {
  name: string;
  status: number;
  code: string;
  who?: Who;
  /** A GraphQL request, sent as JSON. */
  query?: string;
  variables?: Record<string, unknown>;
  operationName?: unknown;
  /** Or a raw HTTP request. */
  raw?: { body: string | Buffer; contentType?: string; method?: string; search?: string };
  authorization?: () => Promise<string> | string;
}

const b64 = (text: string) => Buffer.from(text).toString('base64url');
const gid = (type: string, id: string) => b64(`${type}:${id}`);
const cursor = (key: unknown) => b64(JSON.stringify(key));
const SECRET = new TextEncoder().encode(TEST_SECRET);

let t: TestServer;
const ids = { self: 0, admin: 0, other: 0, item: 0, erased: 0 };
const tokens: Record<Who, string | null> = { anonymous: null, self: null, admin: null };

beforeAll(async () => {
  t = await startTestServer({ RATE_LIMIT_PER_MINUTE: '0', MAX_PAGE_SIZE: '100' });
  const [self, admin, other, erased] = [await t.make.user(), await t.make.user({ role: 'ADMIN' }), await t.make.user(), await t.make.user({ erasedAt: new Date() })];
  const item = await t.make.item({ authorId: self.id });
  Object.assign(ids, { self: self.id, admin: admin.id, other: other.id, item: item.id, erased: erased.id });
  tokens.self = await t.tokenFor(self.id);
  tokens.admin = await t.tokenFor(admin.id, true);
});
afterAll(() => t.close());

// ------------------------------------------------------------------ every id argument

const ID_ARGUMENTS: { field: string; query: string; who: Who }[] = [
  { field: 'node.id', query: 'query($v: ID!) { node(id: $v) { id } }', who: 'anonymous' },
  { field: 'user.id', query: 'query($v: ID) { user(id: $v) { id } }', who: 'anonymous' },
  { field: 'item.id', query: 'query($v: ID) { item(id: $v) { id } }', who: 'anonymous' },
  { field: 'items.filter.authorId', query: 'query($v: ID) { items(filter: { authorId: $v }) { edges { cursor } } }', who: 'anonymous' },
  { field: 'updateUser.input.id', query: 'mutation($v: ID!) { updateUser(input: { id: $v, bio: "x" }) { userErrors { code } } }', who: 'self' },
  { field: 'deleteUser.id', query: 'mutation($v: ID!) { deleteUser(id: $v) { userErrors { code } } }', who: 'self' },
  { field: 'createItem.input.authorId', query: 'mutation($v: ID) { createItem(input: { title: "t", authorId: $v }) { userErrors { code } } }', who: 'admin' },
  { field: 'updateItem.input.id', query: 'mutation($v: ID!) { updateItem(input: { id: $v, title: "t" }) { userErrors { code } } }', who: 'self' },
  { field: 'deleteItem.id', query: 'mutation($v: ID!) { deleteItem(id: $v) { userErrors { code } } }', who: 'self' },
  { field: 'follow.userId', query: 'mutation($v: ID!) { follow(userId: $v) { userErrors { code } } }', who: 'self' },
  { field: 'unfollow.userId', query: 'mutation($v: ID!) { unfollow(userId: $v) { userErrors { code } } }', who: 'self' },
  { field: 'block.userId', query: 'mutation($v: ID!) { block(userId: $v) { userErrors { code } } }', who: 'self' },
  { field: 'unblock.userId', query: 'mutation($v: ID!) { unblock(userId: $v) { userErrors { code } } }', who: 'self' },
  { field: 'recordInteraction.input.itemId', query: 'mutation($v: ID!) { recordInteraction(input: { itemId: $v, type: LIKE }) { userErrors { code } } }', who: 'self' },
  { field: 'recordInteractions.input.itemId', query: 'mutation($v: ID!) { recordInteractions(input: [{ itemId: $v, type: VIEW }]) { userErrors { code } } }', who: 'self' },
  { field: 'activateModelVersion.id', query: 'mutation($v: ID!) { activateModelVersion(id: $v) { userErrors { code } } }', who: 'admin' },
];

const FORGED_IDS: [string, string][] = [
  ['empty', ''],
  ['not base64', '@@@!'],
  ['zero', gid('User', '0')],
  ['just above int4', gid('User', '2147483648')],
  ['twenty digits', gid('User', '99999999999999999999')],
  ['unknown type', gid('Nope', '1')],
  ['decimal point', gid('User', '1.5')],
  ['exponent', gid('User', '1e3')],
  ['NUL inside', gid('User', '1\u0000')],
  ['very long', 'A'.repeat(5000)],
];

const idCases: Case[] = ID_ARGUMENTS.flatMap(({ field, query, who }) =>
  FORGED_IDS.map(([label, value]) => ({ name: `${field}: ${label}`, query, variables: { v: value }, who, status: 200, code: 'BAD_USER_INPUT' })),
);

// ------------------------------------------------------------------ every text argument

const TEXT_ARGUMENTS: { field: string; query: string; who: Who; list?: boolean }[] = [
  { field: 'user.handle', query: 'query($v: String) { user(handle: $v) { id } }', who: 'anonymous' },
  { field: 'user.externalId', query: 'query($v: String) { user(externalId: $v) { id } }', who: 'anonymous' },
  { field: 'users.search', query: 'query($v: String) { users(search: $v) { edges { cursor } } }', who: 'anonymous' },
  { field: 'item.externalId', query: 'query($v: String) { item(externalId: $v) { id } }', who: 'anonymous' },
  { field: 'items.filter.category', query: 'query($v: String) { items(filter: { category: $v }) { edges { cursor } } }', who: 'anonymous' },
  { field: 'items.filter.text', query: 'query($v: String) { items(filter: { text: $v }) { edges { cursor } } }', who: 'anonymous' },
  { field: 'items.filter.tags', query: 'query($v: String!) { items(filter: { tags: [$v] }) { edges { cursor } } }', who: 'anonymous' },
  { field: 'trendingItems.category', query: 'query($v: String) { trendingItems(category: $v) { edges { cursor } } }', who: 'anonymous' },
  { field: 'recommendedItems.filter.category', query: 'query($v: String) { viewer { recommendedItems(filter: { category: $v }) { source } } }', who: 'self' },
  { field: 'recommendedItems.filter.tags', query: 'query($v: String!) { viewer { recommendedItems(filter: { tags: [$v] }) { source } } }', who: 'self' },
  { field: 'createUser.handle', query: 'mutation($v: String!) { createUser(input: { handle: $v, displayName: "d" }) { userErrors { code } } }', who: 'admin' },
  { field: 'createUser.displayName', query: 'mutation($v: String!) { createUser(input: { handle: "h_hostile", displayName: $v }) { userErrors { code } } }', who: 'admin' },
  { field: 'createUser.bio', query: 'mutation($v: String) { createUser(input: { handle: "h_hostile", displayName: "d", bio: $v }) { userErrors { code } } }', who: 'admin' },
  { field: 'createUser.externalId', query: 'mutation($v: String) { createUser(input: { handle: "h_hostile", displayName: "d", externalId: $v }) { userErrors { code } } }', who: 'admin' },
  { field: 'updateUser.handle', query: 'mutation($id: ID!, $v: String) { updateUser(input: { id: $id, handle: $v }) { userErrors { code } } }', who: 'self' },
  { field: 'updateUser.displayName', query: 'mutation($id: ID!, $v: String) { updateUser(input: { id: $id, displayName: $v }) { userErrors { code } } }', who: 'self' },
  { field: 'updateUser.bio', query: 'mutation($id: ID!, $v: String) { updateUser(input: { id: $id, bio: $v }) { userErrors { code } } }', who: 'self' },
  { field: 'createItem.title', query: 'mutation($v: String!) { createItem(input: { title: $v }) { userErrors { code } } }', who: 'self' },
  { field: 'createItem.body', query: 'mutation($v: String) { createItem(input: { title: "t", body: $v }) { userErrors { code } } }', who: 'self' },
  { field: 'createItem.category', query: 'mutation($v: String) { createItem(input: { title: "t", category: $v }) { userErrors { code } } }', who: 'self' },
  { field: 'createItem.tags', query: 'mutation($v: String!) { createItem(input: { title: "t", tags: [$v] }) { userErrors { code } } }', who: 'self' },
  { field: 'createItem.externalId', query: 'mutation($v: String) { createItem(input: { title: "t", externalId: $v }) { userErrors { code } } }', who: 'self' },
  { field: 'updateItem.title', query: 'mutation($item: ID!, $v: String) { updateItem(input: { id: $item, title: $v }) { userErrors { code } } }', who: 'self' },
  { field: 'updateItem.body', query: 'mutation($item: ID!, $v: String) { updateItem(input: { id: $item, body: $v }) { userErrors { code } } }', who: 'self' },
  { field: 'updateItem.category', query: 'mutation($item: ID!, $v: String) { updateItem(input: { id: $item, category: $v }) { userErrors { code } } }', who: 'self' },
  { field: 'updateItem.tags', query: 'mutation($item: ID!, $v: String!) { updateItem(input: { id: $item, tags: [$v] }) { userErrors { code } } }', who: 'self' },
  { field: 'recordInteraction.recommendationId', query: 'mutation($item: ID!, $v: String) { recordInteraction(input: { itemId: $item, type: LIKE, recommendationId: $v }) { userErrors { code } } }', who: 'self' },
];

const BAD_STRINGS: [string, (field: string) => string][] = [
  ['NUL byte', () => 'a\u0000b'],
  ['lone high surrogate', () => 'a\ud800b'],
  ['lone low surrogate', () => '\udc00'],
  // Over the backstop limit of the field (bodies are long by nature).
  ['far too long', (field) => 'x'.repeat(field.endsWith('.body') ? 200_001 : 5000)],
];

const textCases: Case[] = TEXT_ARGUMENTS.flatMap(({ field, query, who }) =>
  BAD_STRINGS.map(([label, make]) => ({ name: `${field}: ${label}`, query, variables: { v: make(field) }, who, status: 200, code: 'BAD_USER_INPUT' })),
);

// Per-field limits below the backstop are mutation UserErrors, or a thrown error for queries.
const limitCases: Case[] = [
  { name: 'createUser.handle: reserved tombstone form', query: 'mutation { createUser(input: { handle: "erased-1", displayName: "d" }) { userErrors { code } } }', who: 'admin', status: 200, code: 'INVALID' },
  { name: 'updateUser.handle: reserved tombstone form', query: 'mutation($id: ID!) { updateUser(input: { id: $id, handle: "ERASED-77" }) { userErrors { code } } }', who: 'self', status: 200, code: 'INVALID' },
  { name: 'createUser.handle: 31 characters', query: `mutation { createUser(input: { handle: "${'h'.repeat(31)}", displayName: "d" }) { userErrors { code } } }`, who: 'admin', status: 200, code: 'INVALID' },
  { name: 'createItem.tags: 21 tags', query: `mutation { createItem(input: { title: "t", tags: [${Array.from({ length: 21 }, (_, i) => `"t${i}"`).join(',')}] }) { userErrors { code } } }`, who: 'self', status: 200, code: 'TOO_MANY' },
  { name: 'recommendedItems.filter.category: 61 characters', query: `{ viewer { recommendedItems(filter: { category: "${'c'.repeat(61)}" }) { source } } }`, who: 'self', status: 200, code: 'BAD_USER_INPUT' },
  { name: 'recommendedItems.filter.tags: 21 tags', query: `{ viewer { recommendedItems(filter: { tags: [${Array.from({ length: 21 }, (_, i) => `"t${i}"`).join(',')}] }) { source } } }`, who: 'self', status: 200, code: 'BAD_USER_INPUT' },
  { name: 'recommendedItems.filter.tags: a 41-character tag', query: `{ viewer { recommendedItems(filter: { tags: ["${'t'.repeat(41)}"] }) { source } } }`, who: 'self', status: 200, code: 'BAD_USER_INPUT' },
  { name: 'trendingItems.category: 61 characters', query: `{ trendingItems(category: "${'c'.repeat(61)}") { edges { cursor } } }`, status: 200, code: 'BAD_USER_INPUT' },
  { name: 'users.search: 101 characters', query: `{ users(search: "${'s'.repeat(101)}") { edges { cursor } } }`, status: 200, code: 'BAD_USER_INPUT' },
  { name: 'items.filter.tags: 21 tags', query: `{ items(filter: { tags: [${Array.from({ length: 21 }, (_, i) => `"t${i}"`).join(',')}] }) { edges { cursor } } }`, status: 200, code: 'BAD_USER_INPUT' },
];

// ------------------------------------------------------------------ every connection's cursor

const CONNECTIONS: { field: string; query: string; who: Who }[] = [
  { field: 'users', query: 'query($v: String) { users(after: $v) { edges { cursor } } }', who: 'anonymous' },
  { field: 'items', query: 'query($v: String) { items(after: $v) { edges { cursor } } }', who: 'anonymous' },
  { field: 'trendingItems', query: 'query($v: String) { trendingItems(after: $v) { edges { cursor } } }', who: 'anonymous' },
  { field: 'modelVersions', query: 'query($v: String) { modelVersions(after: $v) { edges { cursor } } }', who: 'admin' },
  { field: 'trainingRuns', query: 'query($v: String) { trainingRuns(after: $v) { edges { cursor } } }', who: 'admin' },
  { field: 'User.followers', query: 'query($v: String) { viewer { followers(after: $v) { edges { cursor } } } }', who: 'self' },
  { field: 'User.following', query: 'query($v: String) { viewer { following(after: $v) { edges { cursor } } } }', who: 'self' },
  { field: 'User.friends', query: 'query($v: String) { viewer { friends(after: $v) { edges { cursor } } } }', who: 'self' },
  { field: 'User.interactions', query: 'query($v: String) { viewer { interactions(after: $v) { edges { cursor } } } }', who: 'self' },
  { field: 'User.items', query: 'query($v: String) { viewer { items(after: $v) { edges { cursor } } } }', who: 'self' },
  { field: 'User.recommendedItems', query: 'query($v: String) { viewer { recommendedItems(after: $v) { source } } }', who: 'self' },
  { field: 'User.friendSuggestions', query: 'query($v: String) { viewer { friendSuggestions(after: $v) { source } } }', who: 'self' },
  { field: 'User.similarUsers', query: 'query($v: String) { viewer { similarUsers(after: $v) { edges { cursor } } } }', who: 'self' },
  { field: 'Item.viewerInteractions', query: 'query($item: ID, $v: String) { item(id: $item) { viewerInteractions(after: $v) { edges { cursor } } } }', who: 'self' },
  { field: 'Item.similarItems', query: 'query($item: ID, $v: String) { item(id: $item) { similarItems(after: $v) { edges { cursor } } } }', who: 'anonymous' },
];

// Wrong for every kind of key: ids, [time, id] pairs, offsets and [offset, list id] pairs.
const FORGED_CURSORS: [string, string][] = [
  ['negative', cursor(-1)],
  ['fraction', cursor(1.5)],
  ['unsafe integer', cursor(2 ** 53)],
  ['string key', cursor('x')],
  ['null key', cursor(null)],
  ['empty array', cursor([])],
  ['year 275760', cursor(['+275760-09-13T00:00:00.000Z', 1])],
  ['time with unsafe id', cursor(['2020-01-01T00:00:00.000Z', 2 ** 53])],
  ['not base64 JSON', '%%%'],
  ['offset past any list', cursor([2 ** 53, 'r'])],
];

const cursorCases: Case[] = [
  ...CONNECTIONS.flatMap(({ field, query, who }) =>
    FORGED_CURSORS.map(([label, value]) => ({ name: `${field}(after): ${label}`, query, variables: { v: value }, who, status: 200, code: 'BAD_USER_INPUT' })),
  ),
  // Keys of the right shape but outside the column's range.
  ...['users', 'items', 'modelVersions', 'trainingRuns'].map((field) => ({
    name: `${field}(after): id above int4`,
    query: `query($v: String) { ${field}(after: $v) { edges { cursor } } }`,
    variables: { v: cursor(2147483648) },
    who: 'admin' as Who,
    status: 200,
    code: 'BAD_USER_INPUT',
  })),
  { name: 'User.followers(after): user id above int4', query: CONNECTIONS[5].query, variables: { v: cursor(['2020-01-01T00:00:00.000Z', 2147483648]) }, who: 'self', status: 200, code: 'BAD_USER_INPUT' },
  { name: 'User.following(after): date before 1970', query: CONNECTIONS[6].query, variables: { v: cursor(['1969-12-31T23:59:59.999Z', 1]) }, who: 'self', status: 200, code: 'BAD_USER_INPUT' },
  { name: 'User.friends(after): loose date form', query: CONNECTIONS[7].query, variables: { v: cursor(['Tue, 01 Dec 2026', 1]) }, who: 'self', status: 200, code: 'BAD_USER_INPUT' },
  { name: 'User.interactions(after): int8-range id is fine', query: CONNECTIONS[8].query, variables: { v: cursor(2 ** 40) }, who: 'self', status: 200, code: 'OK' },
  { name: 'User.recommendedItems(after): offset 10^6', query: CONNECTIONS[10].query, variables: { v: cursor([1_000_000, 'r']) }, who: 'self', status: 200, code: 'BAD_USER_INPUT' },
  { name: 'trendingItems(after): offset 10^6', query: CONNECTIONS[2].query, variables: { v: cursor(1_000_000) }, status: 200, code: 'BAD_USER_INPUT' },
];

// ------------------------------------------------------------------ numbers and dates

const RECORD = 'mutation($i: InteractionInput!) { recordInteraction(input: $i) { interaction { id } userErrors { code } } }';
const interaction = (extra: object) => ({ i: { itemId: gid('Item', String(ids.item)), type: 'RATE', ...extra } });

const numberCases: Case[] = [
  ...['users', 'items', 'trendingItems'].flatMap((field) => [
    { name: `${field}(first): negative`, query: `{ ${field}(first: -1) { edges { cursor } } }`, status: 200, code: 'BAD_USER_INPUT' },
    { name: `${field}(first): over the page limit`, query: `{ ${field}(first: 101) { edges { cursor } } }`, status: 200, code: 'BAD_USER_INPUT' },
    // The cost limit multiplies by `first`, so this fails validation before the page limit.
    { name: `${field}(first): int32 max`, query: `{ ${field}(first: 2147483647) { edges { cursor } } }`, status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
    { name: `${field}(first): beyond int32 literal`, query: `{ ${field}(first: 2147483648) { edges { cursor } } }`, status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
    { name: `${field}(first): fraction variable`, query: `query($n: Int) { ${field}(first: $n) { edges { cursor } } }`, variables: { n: 1.5 }, status: 400, code: 'BAD_USER_INPUT' },
    { name: `${field}(first): string variable`, query: `query($n: Int) { ${field}(first: $n) { edges { cursor } } }`, variables: { n: '10' }, status: 400, code: 'BAD_USER_INPUT' },
  ]),
  { name: 'viewer.followers(first): negative', query: '{ viewer { followers(first: -5) { edges { cursor } } } }', who: 'self', status: 200, code: 'BAD_USER_INPUT' },
  { name: 'viewer.similarUsers(first): over the limit', query: '{ viewer { similarUsers(first: 1000) { edges { cursor } } } }', who: 'self', status: 200, code: 'BAD_USER_INPUT' },
  { name: 'recordInteraction.value: 1e300', query: RECORD, variables: { get i() { return interaction({ value: 1e300 }).i; } }, who: 'self', status: 200, code: 'INVALID' },
  { name: 'recordInteraction.value: -1e300', query: RECORD, variables: { get i() { return interaction({ value: -1e300 }).i; } }, who: 'self', status: 200, code: 'INVALID' },
  { name: 'recordInteraction.value: largest double (Postgres cannot store it)', query: RECORD, variables: { get i() { return interaction({ value: 1.7976931348623157e308 }).i; } }, who: 'self', status: 200, code: 'INVALID' },
  { name: 'recordInteraction.value: string', query: RECORD, variables: { get i() { return interaction({ value: 'NaN' }).i; } }, who: 'self', status: 400, code: 'BAD_USER_INPUT' },
  { name: 'recordInteraction.value: subnormal is fine', query: RECORD, variables: { get i() { return interaction({ value: 5e-324 }).i; } }, who: 'self', status: 200, code: 'OK' },
  { name: 'recordInteraction.occurredAt: year 1', query: RECORD, variables: { get i() { return interaction({ occurredAt: '0001-01-01T00:00:00Z' }).i; } }, who: 'self', status: 200, code: 'BAD_USER_INPUT' },
  { name: 'recordInteraction.occurredAt: year 0', query: RECORD, variables: { get i() { return interaction({ occurredAt: '0000-01-01T00:00:00Z' }).i; } }, who: 'self', status: 200, code: 'BAD_USER_INPUT' },
  { name: 'recordInteraction.occurredAt: 1969', query: RECORD, variables: { get i() { return interaction({ occurredAt: '1969-12-31T23:59:59Z' }).i; } }, who: 'self', status: 200, code: 'BAD_USER_INPUT' },
  { name: 'recordInteraction.occurredAt: month 13', query: RECORD, variables: { get i() { return interaction({ occurredAt: '2020-13-01T00:00:00Z' }).i; } }, who: 'self', status: 400, code: 'BAD_USER_INPUT' },
  { name: 'recordInteraction.occurredAt: six-digit year', query: RECORD, variables: { get i() { return interaction({ occurredAt: '+275760-09-13T00:00:00Z' }).i; } }, who: 'self', status: 400, code: 'BAD_USER_INPUT' },
  { name: 'recordInteraction.occurredAt: next year', query: RECORD, variables: { get i() { return interaction({ occurredAt: new Date(Date.now() + 365 * 86400_000).toISOString() }).i; } }, who: 'self', status: 200, code: 'INVALID' },
  { name: 'recordInteraction.type: unknown enum', query: RECORD, variables: { get i() { return interaction({ type: 'LOVE' }).i; } }, who: 'self', status: 400, code: 'BAD_USER_INPUT' },
  { name: 'recordInteraction: unknown input field', query: RECORD, variables: { get i() { return interaction({ extra: 1 }).i; } }, who: 'self', status: 400, code: 'BAD_USER_INPUT' },
  { name: 'recordInteractions: one over the batch size', query: 'mutation($i: [InteractionInput!]!) { recordInteractions(input: $i) { userErrors { code } } }', variables: { get i() { return Array.from({ length: 501 }, () => interaction({}).i); } }, who: 'self', status: 200, code: 'TOO_MANY' },
  { name: 'recordInteractions: a bad recommendationId deep in the batch', query: 'mutation($i: [InteractionInput!]!) { recordInteractions(input: $i) { userErrors { code } } }', variables: { get i() { return [interaction({}).i, interaction({ recommendationId: 'r\u0000' }).i]; } }, who: 'self', status: 200, code: 'BAD_USER_INPUT' },
];

// ------------------------------------------------------------------ tokens

const sign = (claims: Record<string, unknown>, { exp = '5m' as string | null, secret = SECRET } = {}) => {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt();
  return (exp ? jwt.setExpirationTime(exp) : jwt).sign(secret);
};
const unsigned = (claims: object) => `${b64(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${b64(JSON.stringify(claims))}.`;
const VIEWER = '{ viewer { id } }';
const tokenCase = (name: string, authorization: () => Promise<string> | string): Case => ({ name: `token: ${name}`, query: VIEWER, authorization, status: 401, code: 'UNAUTHENTICATED' });

const tokenCases: Case[] = [
  tokenCase('"Bearer" alone', () => 'Bearer'),
  tokenCase('Basic scheme', () => 'Basic dXNlcjpwYXNz'),
  tokenCase('two tokens', async () => `Bearer ${await sign({ sub: String(ids.self) })} x`),
  tokenCase('garbage', () => 'Bearer abc.def.ghi'),
  tokenCase('empty header', () => ''),
  tokenCase('16 KB header', () => `Bearer ${'a'.repeat(12000)}`),
  tokenCase('alg none', () => `Bearer ${unsigned({ sub: String(ids.self), role: 'ADMIN', exp: Math.floor(Date.now() / 1000) + 600 })}`),
  tokenCase('wrong secret', async () => `Bearer ${await sign({ sub: String(ids.self) }, { secret: new TextEncoder().encode('not-the-secret-at-all') })}`),
  tokenCase('expired an hour ago', async () => `Bearer ${await sign({ sub: String(ids.self) }, { exp: '-1h' })}`),
  tokenCase('no expiry', async () => `Bearer ${await sign({ sub: String(ids.self) }, { exp: null })}`),
  tokenCase('not yet valid', async () => `Bearer ${await new SignJWT({ sub: String(ids.self) }).setProtectedHeader({ alg: 'HS256' }).setNotBefore('1h').setExpirationTime('2h').sign(SECRET)}`),
  tokenCase('no subject', async () => `Bearer ${await sign({})}`),
  tokenCase('subject "1e3"', async () => `Bearer ${await sign({ sub: '1e3' })}`),
  tokenCase('subject " 1"', async () => `Bearer ${await sign({ sub: ` ${ids.self}` })}`),
  tokenCase('subject "0"', async () => `Bearer ${await sign({ sub: '0' })}`),
  tokenCase('subject above int4', async () => `Bearer ${await sign({ sub: '2147483648' })}`),
  tokenCase('subject a global id', async () => `Bearer ${await sign({ sub: gid('User', String(ids.self)) })}`),
  tokenCase('subject of no user', async () => `Bearer ${await sign({ sub: '2147483647' })}`),
  tokenCase('subject of an erased user', async () => `Bearer ${await sign({ sub: String(ids.erased) })}`),
  { ...tokenCase('subject of no user, on a mutation', async () => `Bearer ${await sign({ sub: '2147483000' })}`), query: 'mutation($u: ID!) { follow(userId: $u) { userErrors { code } } }', variables: { get u() { return gid('User', String(ids.other)); } } },
  { name: 'token: a valid one still works', query: VIEWER, who: 'self', status: 200, code: 'OK' },
];

// ------------------------------------------------------------------ operation selection and HTTP bodies

const requestCases: Case[] = [
  { name: 'two operations, no operationName', query: 'query A { viewer { id } } query B { viewer { id } }', status: 400, code: 'BAD_USER_INPUT' },
  { name: 'unknown operationName', query: 'query A { viewer { id } }', operationName: 'C', status: 400, code: 'BAD_USER_INPUT' },
  { name: 'operationName not a string', query: 'query A { viewer { id } }', operationName: 7, status: 400, code: 'BAD_REQUEST' },
  { name: 'subscription', query: 'subscription { viewer { id } }', status: 400, code: 'BAD_USER_INPUT' },
  { name: 'empty document', query: '', status: 400, code: 'BAD_REQUEST' },
  { name: 'syntax error', query: '{ viewer { ', status: 400, code: 'GRAPHQL_PARSE_FAILED' },
  { name: 'over the token limit', query: `{ ${'viewer { id } '.repeat(2000)} }`, status: 400, code: 'GRAPHQL_PARSE_FAILED' },
  { name: 'unknown field', query: '{ secrets }', status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
  { name: 'missing variable', query: 'query($v: ID!) { node(id: $v) { id } }', status: 400, code: 'BAD_USER_INPUT' },
  { name: 'persisted query unknown', raw: { body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } }) }, status: 200, code: 'PERSISTED_QUERY_NOT_FOUND' },
  { name: 'persisted query hash mismatch', raw: { body: JSON.stringify({ query: '{ viewer { id } }', extensions: { persistedQuery: { version: 1, sha256Hash: 'b'.repeat(64) } } }) }, status: 400, code: 'BAD_REQUEST' },
  { name: 'malformed JSON', raw: { body: '{"query":' }, status: 400, code: 'BAD_REQUEST' },
  { name: 'JSON with a trailing comma', raw: { body: '{"query":"{ viewer { id } }",}' }, status: 400, code: 'BAD_REQUEST' },
  { name: 'JSON string body', raw: { body: '"{ viewer { id } }"' }, status: 400, code: 'BAD_REQUEST' },
  { name: 'JSON array body (batching is off)', raw: { body: '[{"query":"{ viewer { id } }"}]' }, status: 400, code: 'BAD_REQUEST' },
  { name: 'JSON null body', raw: { body: 'null' }, status: 400, code: 'BAD_REQUEST' },
  { name: 'query not a string', raw: { body: '{"query":{"a":1}}' }, status: 400, code: 'BAD_REQUEST' },
  { name: 'variables not an object', raw: { body: '{"query":"{ viewer { id } }","variables":"x"}' }, status: 400, code: 'BAD_REQUEST' },
  { name: 'body over 1 MB', raw: { body: JSON.stringify({ query: '{ viewer { id } }', variables: { x: 'a'.repeat(1_100_000) } }) }, status: 413, code: 'BAD_REQUEST' },
  { name: 'latin1 charset', raw: { body: '{"query":"{ viewer { id } }"}', contentType: 'application/json; charset=latin1' }, status: 415, code: 'BAD_REQUEST' },
  { name: 'invalid UTF-8 bytes in a string', raw: { body: Buffer.concat([Buffer.from('{"query":"{ user(handle: \\"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('\\") { id } }"}')]) }, status: 200, code: 'OK' },
  { name: 'NUL escaped in the document itself', raw: { body: '{"query":"{ user(handle: \\"\\\\u0000\\") { id } }"}' }, status: 200, code: 'BAD_USER_INPUT' },
  { name: 'gzip content-encoding that is not gzip', raw: { body: '{"query":"{ viewer { id } }"}', contentType: 'application/json' }, status: 400, code: 'BAD_REQUEST', authorization: undefined },
  { name: 'text/plain (CSRF)', raw: { body: '{"query":"{ viewer { id } }"}', contentType: 'text/plain' }, status: 400, code: 'BAD_REQUEST' },
  { name: 'no content type', raw: { body: '{"query":"{ viewer { id } }"}', contentType: '' }, status: 400, code: 'BAD_REQUEST' },
  { name: 'application/xml', raw: { body: '<query/>', contentType: 'application/xml' }, status: 400, code: 'BAD_REQUEST' },
  { name: 'GET with a mutation', raw: { method: 'GET', body: '', search: `?query=${encodeURIComponent('mutation { unblock(userId: "x") { userErrors { code } } }')}` }, status: 405, code: 'BAD_REQUEST' },
  { name: 'GET query', raw: { method: 'GET', body: '', search: `?query=${encodeURIComponent('{ users(first: 1) { edges { cursor } } }')}` }, status: 200, code: 'OK' },
  { name: 'GET with bad variables JSON', raw: { method: 'GET', body: '', search: `?query=${encodeURIComponent('{ viewer { id } }')}&variables=%7B` }, status: 400, code: 'BAD_REQUEST' },
];
// The content-encoding case needs its own header: patch it in below.
const GZIP_CASE = 'gzip content-encoding that is not gzip';

const CASES: Case[] = [...idCases, ...textCases, ...limitCases, ...cursorCases, ...numberCases, ...tokenCases, ...requestCases];

/** The first error code, else the first userErrors code anywhere in data, else OK. */
function outcomeOf(body: { errors?: { extensions?: { code?: string } }[]; data?: unknown }): string {
  if (body.errors?.length) return body.errors[0].extensions?.code ?? 'NO_CODE';
  const found: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      for (const [key, entry] of Object.entries(value)) {
        if (key === 'userErrors' && Array.isArray(entry) && entry.length) found.push(entry[0].code);
        else walk(entry);
      }
    }
  };
  walk(body.data);
  return found[0] ?? 'OK';
}

async function send(c: Case): Promise<Response> {
  const headers: Record<string, string> = {};
  const token = c.who ? tokens[c.who] : null;
  if (token) headers.authorization = `Bearer ${token}`;
  if (c.authorization) headers.authorization = await c.authorization();
  if (c.name === GZIP_CASE) headers['content-encoding'] = 'gzip';
  if (c.raw) {
    if (c.raw.contentType !== '') headers['content-type'] = c.raw.contentType ?? 'application/json';
    const method = c.raw.method ?? 'POST';
    if (method === 'GET') headers['apollo-require-preflight'] = 'true';
    return fetch(t.server.url + (c.raw.search ?? ''), { method, headers, body: method === 'GET' ? undefined : c.raw.body });
  }
  headers['content-type'] = 'application/json';
  const variables = { id: `${gid('User', String(ids.self))}`, item: gid('Item', String(ids.item)), ...c.variables };
  // Only declared variables may be sent; drop the helpers a query does not use.
  for (const name of ['id', 'item']) if (!c.query!.includes(`$${name}`)) delete (variables as Record<string, unknown>)[name];
  return fetch(t.server.url, { method: 'POST', headers, body: JSON.stringify({ query: c.query, variables, ...(c.operationName !== undefined ? { operationName: c.operationName } : {}) }) });
}

it('has at least 150 cases', () => {
  expect(CASES.length).toBeGreaterThanOrEqual(150);
  expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
});

describe.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
  it(`answers ${c.status} ${c.code}, as JSON, and the server stays up`, async () => {
    const response = await send(c);
    expect(response.headers.get('content-type') ?? '').toMatch(/json/);
    const body = (await response.json()) as Parameters<typeof outcomeOf>[0];
    const outcome = outcomeOf(body);
    expect(outcome).not.toBe('INTERNAL_SERVER_ERROR');
    expect(JSON.stringify(body)).not.toMatch(/\n\s+at |prisma|SELECT /i);
    expect({ status: response.status, code: outcome }).toEqual({ status: c.status, code: c.code });
    expect((await fetch(new URL('/healthz', t.server.url))).status).toBe(200);
  });
});
