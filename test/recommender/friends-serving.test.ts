/**
 * Friend suggestions served from the lists a FRIENDS version stores: the same as ranking
 * live while the graph is as trained, and a follow or block made after training is honoured
 * by the next request. Runs on PGlite (caches off) and on Postgres (caches on).
 */
import { startRetrain } from '../../src/jobs/retrain';
import { createLogger } from '../../src/logger';
import { unpackArtifact } from '../../src/recommender/artifact';
import { deserializeFriendArtifact } from '../../src/recommender/friends/artifact';
import { friendTrainingData } from '../../src/recommender/model-inputs';
import { activeVersionSummary, readArtifact } from '../../src/recommender/registry';
import { LoadedFriendModel } from '../../src/recommender/serve/friends';
import { takeSnapshot } from '../../src/recommender/snapshot';
import { plantCommunities, type Planted } from '../helpers/planted';
import { startTestServer, uid, type TestServer } from '../helpers/server';

const FRIENDS = `query($id: ID!) { user(id: $id) { friendSuggestions(first: 10) { source edges { score mutualFriendCount node { id } } } } }`;

let t: TestServer;
let planted: Planted;
beforeAll(async () => {
  t = await startTestServer({ MODEL_POLL_MS: '600000' });
  planted = await plantCommunities(t.database.db);
  const started = await startRetrain({ config: t.config, db: t.database.db, logger: createLogger('silent'), onPromoted: () => t.server.recommender.sync() }, 'FRIENDS', 'MANUAL');
  if ('busy' in started) throw new Error('unexpectedly busy');
  expect((await started.done).outcome).toBe('PROMOTED');
});
afterAll(() => t.close());

async function suggested(userId: number): Promise<{ id: string; score: number; mutual: number }[]> {
  const response = await t.gql(FRIENDS, { id: uid(userId) }, await t.tokenFor(userId));
  const list = response.data.user.friendSuggestions;
  expect(list.source).toBe('MODEL');
  return list.edges.map((e: any) => ({ id: e.node.id as string, score: e.score as number, mutual: e.mutualFriendCount as number }));
}

/** The active version ranked live (no stored lists) on the graph as it is now. */
async function rankedLive() {
  const db = t.database.db;
  const version = (await activeVersionSummary(db.prisma, 'FRIENDS'))!;
  const row = (await readArtifact(db, version.id))!;
  const { model } = deserializeFriendArtifact(unpackArtifact(row.artifact, row.checksum).model);
  const snapshot = await takeSnapshot(db);
  return new LoadedFriendModel(model, friendTrainingData(snapshot), snapshot.userIds);
}

async function followingOf(userId: number): Promise<Set<number>> {
  const rows = await t.database.db.prisma.follow.findMany({ where: { followerId: userId }, select: { followeeId: true } });
  return new Set([userId, ...rows.map((r) => r.followeeId)]);
}

describe('stored friend suggestions', () => {
  it('serve what ranking live serves while the graph is as trained', async () => {
    const live = await rankedLive();
    let compared = 0;
    for (const community of planted.communities) {
      for (const user of community.users.slice(0, 3)) {
        const served = await suggested(user);
        const want = live.suggest(user, 10, await followingOf(user));
        expect(served).toEqual(want.map((s) => ({ id: uid(s.userId), score: s.score, mutual: s.mutualFriendCount })));
        compared += served.length;
      }
    }
    expect(compared).toBeGreaterThan(20);
  });

  it('honour a follow and a block made after training at the next request', async () => {
    const viewer = planted.communities[1].users[2];
    const token = await t.tokenFor(viewer);
    const before = (await suggested(viewer)).map((s) => s.id);
    expect(before.length).toBeGreaterThanOrEqual(3);
    const [followed, blocked] = before;
    const follow = await t.gql(`mutation($id: ID!) { follow(userId: $id) { userErrors { code } } }`, { id: followed }, token);
    expect(follow.data.follow.userErrors).toEqual([]);
    const afterFollow = (await suggested(viewer)).map((s) => s.id);
    expect(afterFollow).not.toContain(followed);
    expect(afterFollow).toContain(blocked);
    const block = await t.gql(`mutation($id: ID!) { block(userId: $id) { userErrors { code } } }`, { id: blocked }, token);
    expect(block.data.block.userErrors).toEqual([]);
    const afterBlock = (await suggested(viewer)).map((s) => s.id);
    expect(afterBlock).not.toContain(followed);
    expect(afterBlock).not.toContain(blocked);
    // Blocked by someone suggested to them: the blocker is no longer suggested either.
    const blocker = planted.communities.flatMap((c) => c.users).find((u) => uid(u) === afterBlock[0])!;
    await t.gql(`mutation($id: ID!) { block(userId: $id) { userErrors { code } } }`, { id: uid(viewer) }, await t.tokenFor(blocker));
    expect((await suggested(viewer)).map((s) => s.id)).not.toContain(afterBlock[0]);
  });
});
