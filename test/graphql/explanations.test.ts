/**
 * Every reason served on the demo network is checked against the data: the demo seed, the
 * real retrain job for both kinds, then each shown reason of each item and friend suggestion
 * for several users must hold for that viewer.
 */
import { parseGlobalId } from '../../src/graphql/ids';
import { startTestServer, uid, type TestServer } from '../helpers/server';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ SEED_DEMO: 'true' });
  for (const kind of ['ITEMS', 'FRIENDS'] as const) {
    const started = await t.server.retrain(kind, 'MANUAL');
    if (!('done' in started)) throw new Error(`${kind} training did not start`);
    const run = await started.done;
    expect([run.state, run.outcome]).toEqual(['SUCCEEDED', 'PROMOTED']);
  }
}, 600_000);
afterAll(() => t?.close());

const QUERY = `query($id: ID!) { user(id: $id) {
  recommendedItems(first: 30) { source edges { node { id } reasons { kind weight users { id } item { id } } } }
  friendSuggestions(first: 30) { source edges { node { id } mutualFriendCount mutualFriends { id } reasons { kind weight } } }
} }`;

/** The demo data as sets, to check reasons against. */
async function facts() {
  const prisma = t.database.db.prisma;
  const [follows, interactions, items] = await Promise.all([
    prisma.follow.findMany({ select: { followerId: true, followeeId: true } }),
    prisma.interaction.findMany({ select: { userId: true, itemId: true } }),
    prisma.item.findMany({ select: { id: true, authorId: true, category: true, tags: true } }),
  ]);
  const follow = new Set(follows.map((f) => `${f.followerId}>${f.followeeId}`));
  const follows_ = (a: number, b: number) => follow.has(`${a}>${b}`);
  const friends = (a: number, b: number) => follows_(a, b) && follows_(b, a);
  const engaged = new Set(interactions.map((i) => `${i.userId}:${i.itemId}`));
  const itemById = new Map(items.map((item) => [item.id, item]));
  const historyOf = (userId: number) => interactions.filter((i) => i.userId === userId).map((i) => i.itemId);
  const interestsOf = (userId: number) =>
    new Set(historyOf(userId).flatMap((id) => [itemById.get(id)!.category, ...itemById.get(id)!.tags]));
  const followeesOf = (userId: number) => follows.filter((f) => f.followerId === userId).map((f) => f.followeeId);
  const mutualFriends = (a: number, b: number) =>
    followeesOf(a).filter((m) => m !== b && friends(a, m) && friends(b, m));
  return { follows: follows_, friends, engaged, itemById, historyOf, interestsOf, followeesOf, mutualFriends };
}

const idOf = (globalId: string) => Number(parseGlobalId(globalId)!.id);

describe('explanations on the demo network', () => {
  it('shows only reasons that hold, with positive weights', async () => {
    const f = await facts();
    const users = await t.database.db.prisma.user.findMany({ orderBy: { id: 'asc' }, select: { id: true } });
    // One or two per community, the private last member of the first one included.
    const viewers = [1, 14, 16, 33, 47, 58].map((index) => users[index].id);
    const seen = new Map<string, number>();
    const count = (kind: string) => seen.set(kind, (seen.get(kind) ?? 0) + 1);

    for (const viewer of viewers) {
      const response = await t.gql(QUERY, { id: uid(viewer) }, await t.tokenFor(viewer));
      expect(response.errors).toBeUndefined();
      const { recommendedItems, friendSuggestions } = response.data.user;
      expect([recommendedItems.source, friendSuggestions.source]).toEqual(['MODEL', 'MODEL']);
      const history = new Set(f.historyOf(viewer));
      const interests = f.interestsOf(viewer);

      for (const edge of recommendedItems.edges) {
        const itemId = idOf(edge.node.id);
        const item = f.itemById.get(itemId)!;
        const where = `item ${itemId} for user ${viewer}`;
        for (const reason of edge.reasons) {
          count(reason.kind);
          expect({ where, reason: reason.kind, positive: reason.weight > 0 && reason.weight <= 1 }).toEqual({ where, reason: reason.kind, positive: true });
          switch (reason.kind) {
            case 'FRIENDS_ENGAGED':
              expect(reason.users.length).toBeGreaterThan(0);
              for (const user of reason.users.map((u: { id: string }) => idOf(u.id))) {
                expect({ where, user, followed: f.follows(viewer, user), engaged: f.engaged.has(`${user}:${itemId}`) }).toEqual({ where, user, followed: true, engaged: true });
              }
              break;
            case 'SIMILAR_TO_ITEM':
              expect({ where, inHistory: reason.item !== null && history.has(idOf(reason.item.id)) }).toEqual({ where, inHistory: true });
              break;
            case 'FROM_FOLLOWED_AUTHOR':
              expect({ where, followed: item.authorId !== null && f.follows(viewer, item.authorId) }).toEqual({ where, followed: true });
              break;
            case 'MATCHES_INTERESTS':
              expect({ where, shared: [item.category, ...item.tags].some((value) => interests.has(value)) }).toEqual({ where, shared: true });
              break;
          }
        }
        if (edge.reasons.length > 0) {
          expect(edge.reasons.reduce((sum: number, r: { weight: number }) => sum + r.weight, 0)).toBeCloseTo(1, 6);
        }
      }

      for (const edge of friendSuggestions.edges) {
        const candidate = idOf(edge.node.id);
        const where = `suggestion ${candidate} for user ${viewer}`;
        const mutual = f.mutualFriends(viewer, candidate);
        const shown = edge.mutualFriends.map((u: { id: string }) => idOf(u.id));
        expect({ where, shownAreMutual: shown.every((m: number) => mutual.includes(m)) }).toEqual({ where, shownAreMutual: true });
        for (const reason of edge.reasons) {
          count(`friend:${reason.kind}`);
          expect({ where, reason: reason.kind, positive: reason.weight > 0 && reason.weight <= 1 }).toEqual({ where, reason: reason.kind, positive: true });
          switch (reason.kind) {
            case 'MUTUAL_FRIENDS':
              expect({ where, count: edge.mutualFriendCount > 0, shown: shown.length > 0, real: mutual.length > 0 }).toEqual({ where, count: true, shown: true, real: true });
              break;
            case 'FOLLOWS_YOU':
              expect({ where, followsYou: f.follows(candidate, viewer) }).toEqual({ where, followsYou: true });
              break;
            case 'FOLLOWED_BY_YOUR_FRIENDS':
              expect({ where, byFollowee: f.followeesOf(viewer).some((u) => f.follows(u, candidate)) }).toEqual({ where, byFollowee: true });
              break;
            case 'SHARED_INTERESTS': {
              const theirs = f.interestsOf(candidate);
              expect({ where, shared: [...interests].some((value) => theirs.has(value)) }).toEqual({ where, shared: true });
              break;
            }
          }
        }
      }
    }
    // Not vacuous: the demo network produces social and item evidence to check.
    expect(seen.get('friend:MUTUAL_FRIENDS') ?? 0).toBeGreaterThan(0);
    expect((seen.get('SIMILAR_TO_ITEM') ?? 0) + (seen.get('FRIENDS_ENGAGED') ?? 0)).toBeGreaterThan(0);
  }, 300_000);
});
