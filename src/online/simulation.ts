/**
 * Virtual users replayed through the GraphQL API, for the simulator and its test. Each one
 * asks for a page of recommendations and reacts to what it is shown; reactions are recorded
 * with the list's recommendationId, exactly as a client should.
 *
 * The default behaviour (`positionBiasedUser`): a user examines position p with probability
 * 1 / sqrt(p) (a stated position bias); an examined item that is in the user's held-out
 * positives is clicked, and also liked with probability 1/2; an examined other item is
 * clicked with probability `noise` (stray clicks) and hidden with probability `hideRate`.
 */
import type { Rng } from '../recommender/eval/rng';

export type Action = { itemId: number; type: 'CLICK' | 'LIKE' | 'HIDE' };
export type Behaviour = (userId: number, shownIds: number[]) => Action[];

export interface ReplayTarget {
  /** POSTs one GraphQL operation as `userId` and returns `data`; throws on errors. */
  gql<T>(query: string, variables: Record<string, unknown>, userId: number): Promise<T>;
}

export interface ReplayStats {
  requests: number;
  shown: number;
  actions: number;
}

const RECS = `query($id: ID!, $first: Int!) { user(id: $id) { recommendedItems(first: $first) { recommendationId edges { node { id } } } } }`;
const RECORD = `mutation($input: [InteractionInput!]!) { recordInteractions(input: $input) { userErrors { code message } } }`;

const globalId = (type: string, id: number) => Buffer.from(`${type}:${id}`).toString('base64url');
const localId = (id: string) => Number(Buffer.from(id, 'base64url').toString('utf8').split(':')[1]);

export function positionBiasedUser(positives: Map<number, Set<number>>, rng: Rng, noise = 0.02, hideRate = 0.01): Behaviour {
  return (userId, shownIds) => {
    const liked = positives.get(userId) ?? new Set<number>();
    const actions: Action[] = [];
    shownIds.forEach((itemId, i) => {
      if (rng() >= 1 / Math.sqrt(i + 1)) return;
      if (liked.has(itemId)) {
        actions.push({ itemId, type: 'CLICK' });
        if (rng() < 0.5) actions.push({ itemId, type: 'LIKE' });
      } else if (rng() < noise) actions.push({ itemId, type: 'CLICK' });
      else if (rng() < hideRate) actions.push({ itemId, type: 'HIDE' });
    });
    return actions;
  };
}

/** One request per user per round, reactions recorded in one batch per request. */
export async function replay(
  target: ReplayTarget,
  userIds: number[],
  behaviour: Behaviour,
  options: { rounds: number; pageSize: number; concurrency?: number },
): Promise<ReplayStats> {
  const stats: ReplayStats = { requests: 0, shown: 0, actions: 0 };
  const one = async (userId: number) => {
    const data = await target.gql<{ user: { recommendedItems: { recommendationId: string; edges: { node: { id: string } }[] } } }>(
      RECS,
      { id: globalId('User', userId), first: options.pageSize },
      userId,
    );
    const list = data.user.recommendedItems;
    const shown = list.edges.map((edge) => localId(edge.node.id));
    const actions = behaviour(userId, shown);
    stats.requests++;
    stats.shown += shown.length;
    stats.actions += actions.length;
    if (actions.length) {
      await target.gql(RECORD, { input: actions.map((a) => ({ itemId: globalId('Item', a.itemId), type: a.type, recommendationId: list.recommendationId })) }, userId);
    }
  };
  const concurrency = options.concurrency ?? 4;
  for (let round = 0; round < options.rounds; round++) {
    for (let i = 0; i < userIds.length; i += concurrency) {
      await Promise.all(userIds.slice(i, i + concurrency).map(one));
    }
  }
  return stats;
}
