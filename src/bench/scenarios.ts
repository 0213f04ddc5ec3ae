/**
 * The measured GraphQL operations. Each scenario pre-builds one request body per sampled
 * user or item, so the load rotates over many ids and no single cache entry is hit again
 * and again; `edges` finds the list a response carries, to count empty answers.
 */
import { toGlobalId } from '../graphql/ids';

export type ScenarioName = 'trivial' | 'recommendedItems' | 'recommendedItemsAsUser' | 'friendSuggestions' | 'similarItems' | 'trendingItems' | 'itemPage';

export interface Scenario {
  name: ScenarioName;
  label: string;
  bodies: Buffer[];
  /** Per body, the token to send it with; absent: every request carries the admin token. */
  tokens?: string[];
  /** The list in a successful response's data, or null when the operation returns none. */
  edges(data: unknown): unknown[] | null;
}

const QUERIES: Record<Exclude<ScenarioName, 'trivial' | 'trendingItems' | 'recommendedItemsAsUser'>, string> = {
  recommendedItems: 'query Rec($id: ID!) { user(id: $id) { recommendedItems(first: 20) { edges { node { id title } score } } } }',
  friendSuggestions: 'query Friends($id: ID!) { user(id: $id) { friendSuggestions(first: 10) { edges { node { id handle } score } } } }',
  similarItems: 'query Similar($id: ID!) { item(id: $id) { similarItems(first: 10) { edges { node { id title } score } } } }',
  itemPage: 'query ItemPage($id: ID!) { item(id: $id) { title counts { type count } author { handle } } }',
};

function body(query: string, variables?: Record<string, unknown>): Buffer {
  return Buffer.from(JSON.stringify(variables ? { query, variables } : { query }));
}

function path(data: unknown, ...keys: string[]): unknown {
  let value = data;
  for (const key of keys) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return value;
}

function list(value: unknown): unknown[] | null {
  return Array.isArray(value) ? value : null;
}

export function buildScenarios(ids: { users: number[]; items: number[] }): Scenario[] {
  const userBodies = (query: string) => ids.users.map((id) => body(query, { id: toGlobalId('User', id) }));
  const itemBodies = (query: string) => ids.items.map((id) => body(query, { id: toGlobalId('Item', id) }));
  const scenarios: Scenario[] = [
    { name: 'trivial', label: '{ __typename }', bodies: [body('{ __typename }')], edges: () => null },
    {
      name: 'recommendedItems',
      label: 'user.recommendedItems(first: 20)',
      bodies: userBodies(QUERIES.recommendedItems),
      edges: (data) => list(path(data, 'user', 'recommendedItems', 'edges')),
    },
    {
      name: 'friendSuggestions',
      label: 'user.friendSuggestions(first: 10)',
      bodies: userBodies(QUERIES.friendSuggestions),
      edges: (data) => list(path(data, 'user', 'friendSuggestions', 'edges')),
    },
    {
      name: 'similarItems',
      label: 'item.similarItems(first: 10)',
      bodies: itemBodies(QUERIES.similarItems),
      edges: (data) => list(path(data, 'item', 'similarItems', 'edges')),
    },
    {
      name: 'trendingItems',
      // All time: the public datasets' engagement is years old (Last.fm's has no dates at all), so
      // the default last-week window would time an empty list.
      label: 'trendingItems(first: 20, window: ALL)',
      bodies: [body('{ trendingItems(first: 20, window: ALL) { edges { node { id title } score } } }')],
      edges: (data) => list(path(data, 'trendingItems', 'edges')),
    },
    {
      name: 'itemPage',
      label: 'item { title counts author }',
      bodies: itemBodies(QUERIES.itemPage),
      edges: (data) => list(path(data, 'item', 'counts')),
    },
  ];
  return scenarios.filter((scenario) => scenario.bodies.length > 0);
}

/**
 * recommendedItems asked by each user with their own token: impressions are recorded only
 * when the viewer is the list's user, so this is the scenario that pays for them.
 */
export function recommendedItemsAsUser(users: number[], tokens: string[]): Scenario {
  return {
    name: 'recommendedItemsAsUser',
    label: 'user.recommendedItems(first: 20), asked by the user',
    bodies: users.map((id) => body(QUERIES.recommendedItems, { id: toGlobalId('User', id) })),
    tokens,
    edges: (data) => list(path(data, 'user', 'recommendedItems', 'edges')),
  };
}
