/**
 * Impressions and the rest of the platform: whose views are recorded, what erasing a user
 * removes, and that pruning old versions never takes one an experiment still needs.
 */
import { pruneVersions } from '../../src/recommender/registry';
import { startTestServer, uid, type TestServer } from '../helpers/server';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
}, 60_000);
afterAll(() => t.close());

const impressionsOf = (viewerId: number) =>
  t.database.db.query<{ surface: string; shownIds: number[] }>(`SELECT surface, "shownIds" FROM "Impression" WHERE "viewerId" = $1 ORDER BY id`, [viewerId]);

const REC = `query($id: ID!) { user(id: $id) { recommendedItems(first: 5) { edges { node { id } } } friendSuggestions(first: 5) { edges { node { id } } } } }`;

describe('impressions and privacy', () => {
  it('records a list only when its own user looks at it, not when an admin does', async () => {
    const [user, friend, friendOfFriend, admin] = await Promise.all([t.make.user(), t.make.user(), t.make.user(), t.make.user({ role: 'ADMIN' })]);
    await t.make.friends(user.id, friend.id);
    await t.make.friends(friend.id, friendOfFriend.id);
    const item = await t.make.item();
    await t.make.interaction(friend.id, item.id);
    const asAdmin = await t.gql(REC, { id: uid(user.id) }, await t.tokenFor(admin.id, true));
    expect(asAdmin.errors).toBeUndefined();
    expect(asAdmin.data.user.friendSuggestions.edges.length).toBeGreaterThan(0);
    await t.server.online.recorder.flush();
    expect(await impressionsOf(user.id)).toEqual([]);
    expect(await impressionsOf(admin.id)).toEqual([]);
    const asUser = await t.gql(REC, { id: uid(user.id) }, await t.tokenFor(user.id));
    expect(asUser.errors).toBeUndefined();
    await t.server.online.recorder.flush();
    expect((await impressionsOf(user.id)).map((row) => row.surface).sort()).toEqual(['friendSuggestions', 'recommendedItems']);
  });

  it("erasing a user deletes their impressions and blanks them in others' friend suggestions; later writes of theirs are dropped", async () => {
    const [erased, other] = await Promise.all([t.make.user(), t.make.user()]);
    const base = { kind: 'ITEMS' as const, surface: 'recommendedItems' as const, versionId: null, experimentId: null, arm: null, offset: 0, createdAt: new Date() };
    const recorder = t.server.online.recorder;
    recorder.record({ ...base, recommendationId: 'erase-own', viewerId: erased.id, shownIds: [1, 2] });
    recorder.record({ ...base, recommendationId: 'erase-friends', viewerId: other.id, kind: 'FRIENDS', surface: 'friendSuggestions', shownIds: [7, erased.id, 9] });
    await recorder.flush();
    expect(await impressionsOf(erased.id)).toHaveLength(1);
    // Buffered before the erase, written after it: must not come back.
    recorder.record({ ...base, recommendationId: 'erase-late', viewerId: erased.id, shownIds: [3] });
    const res = await t.gql(`mutation($id: ID!) { deleteUser(id: $id) { erasedUserId userErrors { message } } }`, { id: uid(erased.id) }, await t.tokenFor(erased.id));
    expect(res.data.deleteUser.userErrors).toEqual([]);
    await recorder.flush();
    expect(await impressionsOf(erased.id)).toEqual([]);
    // Positions of the others stay: the erased id becomes 0.
    expect(await impressionsOf(other.id)).toEqual([{ surface: 'friendSuggestions', shownIds: [7, 0, 9] }]);
  });

  it('prune keeps every version a draft or running experiment names, and prunes it once the experiment stopped', async () => {
    const prisma = t.database.db.prisma;
    const admin = await t.make.user({ role: 'ADMIN' });
    const version = (status: 'ACTIVE' | 'CANDIDATE') =>
      prisma.modelVersion.create({
        data: { kind: 'FRIENDS', status, params: {}, dataSizes: {}, metrics: {}, backend: 'test', trainingMs: 0, artifact: new Uint8Array([1]), artifactBytes: 1, checksum: 'x', dataWatermark: {} },
      });
    const active = await version('ACTIVE');
    const [inDraft, inRunning, stale] = [await version('CANDIDATE'), await version('CANDIDATE'), await version('CANDIDATE')];
    const newest = await version('CANDIDATE');
    const experiment = (status: 'DRAFT' | 'RUNNING', versionId: number) =>
      prisma.experiment.create({
        data: {
          name: status,
          kind: 'FRIENDS',
          status,
          arms: [
            { name: 'control', versionId: active.id, share: 0.5, stoppedAt: null, stoppedReason: null },
            { name: 'treatment', versionId, share: 0.5, stoppedAt: null, stoppedReason: null },
          ],
          audienceShare: 1,
          minImpressionsPerArm: 1,
          createdById: admin.id,
        },
      });
    await experiment('DRAFT', inDraft.id);
    const running = await experiment('RUNNING', inRunning.id);
    // keep = 2: the active one and the newest other one, plus the experiments' versions.
    expect(await pruneVersions(prisma, 'FRIENDS', 2)).toBe(1);
    const left = async () => (await prisma.modelVersion.findMany({ where: { kind: 'FRIENDS' }, select: { id: true }, orderBy: { id: 'asc' } })).map((v) => v.id);
    expect(await left()).toEqual([active.id, inDraft.id, inRunning.id, newest.id]);
    expect(stale.id).toBeLessThan(newest.id);
    await prisma.experiment.update({ where: { id: running.id }, data: { status: 'STOPPED', stoppedAt: new Date() } });
    expect(await pruneVersions(prisma, 'FRIENDS', 2)).toBe(1);
    expect(await left()).toEqual([active.id, inDraft.id, newest.id]);
  });
});
