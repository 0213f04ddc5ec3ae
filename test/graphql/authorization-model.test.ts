/**
 * The privacy rules on the trained-model path: a private user whom the viewer follows one way
 * (not a friend) is never named in "friends engaged" reasons nor as a similar user, while a
 * public followee with the same behaviour is named as a similar user (the control).
 */
import { plantCommunities } from '../helpers/planted';
import { startTestServer, uid, type TestServer } from '../helpers/server';

let t: TestServer;
const who = { viewer: 0, privateFollowee: 0, publicFollowee: 0 };

beforeAll(async () => {
  t = await startTestServer({ MODEL_POLL_MS: '200' });
  const planted = await plantCommunities(t.database.db, { tag: 'authz' });
  const items = planted.communities[0].items;
  const [viewer, privateFollowee, publicFollowee] = [await t.make.user(), await t.make.user({ isPrivate: true }), await t.make.user()];
  Object.assign(who, { viewer: viewer.id, privateFollowee: privateFollowee.id, publicFollowee: publicFollowee.id });
  // Both followees like the same half of community 0's items; the viewer liked a few of them.
  for (const item of items.slice(0, 15)) {
    await t.make.interaction(privateFollowee.id, item);
    await t.make.interaction(publicFollowee.id, item);
  }
  for (const item of items.slice(0, 4)) await t.make.interaction(viewer.id, item);
  await t.make.follow(viewer.id, privateFollowee.id);
  await t.make.follow(viewer.id, publicFollowee.id);
  const started = await t.server.retrain('ITEMS', 'MANUAL');
  if (!('done' in started)) throw new Error('training did not start');
  await started.done;
  await t.server.recommender.sync();
  // Training is awaited, not timed; on a shared, loaded machine it can take minutes.
}, 300_000);
afterAll(() => t.close());

it('never names the private followee in reasons', async () => {
  const res = await t.gql(
    `query($id: ID!) { user(id: $id) { recommendedItems(first: 20, filter: { excludeSeen: true }) { source edges { reasons { kind users { id } } } } } }`,
    { id: uid(who.viewer) },
    await t.tokenFor(who.viewer),
  );
  expect(res.errors).toBeUndefined();
  expect(res.data.user.recommendedItems.source).toBe('MODEL');
  const named = new Set<string>(res.data.user.recommendedItems.edges.flatMap((e: any) => e.reasons.flatMap((r: any) => r.users.map((u: any) => u.id))));
  // No positive control here any more: when the ranker does not beat the item-item order on
  // the carve-out (as on this small planted set) the model serves the EASE order, social
  // evidence has no share of the score, and a weight-0 FRIENDS_ENGAGED reason is not shown.
  expect(named).not.toContain(uid(who.privateFollowee));
});

it('does not name the private user among similar users, on the model path', async () => {
  const res = await t.gql(`query($id: ID!) { user(id: $id) { similarUsers(first: 50) { edges { node { id } } } } }`, { id: uid(who.viewer) }, await t.tokenFor(who.viewer));
  const ids = res.data.user.similarUsers.edges.map((e: any) => e.node.id);
  expect(ids).toContain(uid(who.publicFollowee));
  expect(ids).not.toContain(uid(who.privateFollowee));
});
