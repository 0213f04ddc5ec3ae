import { startRetrain, type RetrainDeps } from '../../src/jobs/retrain';
import { createLogger } from '../../src/logger';
import { checksumOf } from '../../src/recommender/artifact';
import { secondConnection } from '../helpers/db';
import { plantCommunities, type Planted } from '../helpers/planted';
import { startTestServer, uid, iid, type TestServer } from '../helpers/server';

let t: TestServer;
let planted: Planted;
let admin: string;
beforeAll(async () => {
  t = await startTestServer({ MODEL_POLL_MS: '200' });
  planted = await plantCommunities(t.database.db);
  admin = await t.tokenFor(planted.communities[0].users[0], true);
});
afterAll(() => t.close());

const deps = (extra: Partial<RetrainDeps> = {}): RetrainDeps => ({
  config: t.config,
  db: t.database.db,
  logger: createLogger('silent'),
  onPromoted: () => t.server.recommender.sync(),
  ...extra,
});

async function train(kind: 'ITEMS' | 'FRIENDS', extra: Partial<RetrainDeps> = {}) {
  const started = await startRetrain(deps(extra), kind, 'MANUAL');
  if ('busy' in started) throw new Error('unexpectedly busy');
  return started.done;
}

const STATUS = `{ modelStatus { backend models { kind state source message servingSince
  activeVersion { id status metrics { recallAt10 ndcgAt10 users } dataSizes { users items interactions edges } backend artifactBytes checksum }
  lastRun { state outcome error durationMs } nextScheduledRun } } }`;
const RECS = `query($id: ID!) { user(id: $id) { recommendedItems(first: 10) { source recommendationId
  edges { score node { id category } reasons { kind weight users { id } item { id } } } } } }`;

describe('model lifecycle', () => {
  it('serves fallbacks before any training, and says so', async () => {
    const status = (await t.gql(STATUS, {}, admin)).data.modelStatus;
    expect(status.models.map((m: any) => [m.kind, m.source, m.activeVersion])).toEqual([
      ['ITEMS', 'FALLBACK', null],
      ['FRIENDS', 'FALLBACK', null],
    ]);
    const user = planted.communities[0].users[1];
    const recs = await t.gql(RECS, { id: uid(user) }, await t.tokenFor(user));
    expect(recs.data.user.recommendedItems.source).toBe('FALLBACK');
  });

  it('trains, evaluates, promotes the first version and serves it', async () => {
    const run = await train('ITEMS');
    expect([run.state, run.outcome, run.error]).toEqual(['SUCCEEDED', 'PROMOTED', null]);
    const status = (await t.gql(STATUS, {}, admin)).data.modelStatus;
    const items = status.models.find((m: any) => m.kind === 'ITEMS');
    expect(items).toMatchObject({ state: 'IDLE', source: 'MODEL', lastRun: { state: 'SUCCEEDED', outcome: 'PROMOTED' } });
    expect(items.activeVersion.status).toBe('ACTIVE');
    expect(items.activeVersion.metrics.users).toBeGreaterThan(10);
    // Planted tastes are learnable: well above what chance would give on 120 items.
    expect(items.activeVersion.metrics.recallAt10).toBeGreaterThan(0.3);
    expect(items.activeVersion.dataSizes.items).toBe(120);
    expect(['wasm', 'cpu', 'tensorflow']).toContain(status.backend);

    const user = planted.communities[1].users[2];
    const recs = (await t.gql(RECS, { id: uid(user) }, await t.tokenFor(user))).data.user.recommendedItems;
    expect(recs.source).toBe('MODEL');
    expect(recs.edges.length).toBe(10);
    // Most of a member's recommendations come from their own community's category.
    expect(recs.edges.filter((e: any) => e.node.category === 'cat1').length).toBeGreaterThanOrEqual(7);
    expect(recs.edges.every((e: any) => e.reasons.length > 0)).toBe(true);
  });

  it('drops a just-seen item from the recommendations without retraining', async () => {
    const user = planted.communities[2].users[0];
    const token = await t.tokenFor(user);
    const before = (await t.gql(RECS, { id: uid(user) }, token)).data.user.recommendedItems;
    const top = before.edges[0].node.id;
    const recorded = await t.gql(
      `mutation($i: InteractionInput!) { recordInteraction(input: $i) { userErrors { code } } }`,
      { i: { itemId: top, type: 'VIEW', recommendationId: before.recommendationId } },
      token,
    );
    expect(recorded.data.recordInteraction.userErrors).toEqual([]);
    const after = (await t.gql(RECS, { id: uid(user) }, token)).data.user.recommendedItems;
    expect(after.source).toBe('MODEL');
    expect(after.edges.map((e: any) => e.node.id)).not.toContain(top);
  });

  it('serves cold-start users: social picks with follows only, popular picks with nothing', async () => {
    const prisma = t.database.db.prisma;
    const community = planted.communities[0];
    const newcomer = await t.make.user();
    for (const friend of community.users.slice(0, 4)) await t.make.friends(newcomer.id, friend);
    const social = (await t.gql(RECS, { id: uid(newcomer.id) }, await t.tokenFor(newcomer.id))).data.user.recommendedItems;
    expect(social.source).toBe('MODEL');
    expect(social.edges.filter((e: any) => e.node.category === community.category).length).toBeGreaterThanOrEqual(7);
    expect(social.edges.some((e: any) => e.reasons.some((r: any) => r.kind === 'FRIENDS_ENGAGED' && r.users.length > 0))).toBe(true);
    for (const edge of social.edges) {
      expect(edge.reasons.reduce((sum: number, r: any) => sum + r.weight, 0)).toBeCloseTo(1, 5);
    }
    const loner = await t.make.user();
    const popular = (await t.gql(RECS, { id: uid(loner.id) }, await t.tokenFor(loner.id))).data.user.recommendedItems;
    expect(popular.edges).toHaveLength(10);
    expect(popular.edges.every((e: any) => e.reasons.some((r: any) => ['POPULAR', 'TRENDING'].includes(r.kind)))).toBe(true);
    await prisma.user.deleteMany({ where: { id: { in: [newcomer.id, loner.id] } } });
  });

  it('recommends an item created after training, by content, without retraining', async () => {
    const community = planted.communities[1];
    const user = community.users[3];
    const item = await t.database.db.prisma.item.create({ data: { title: 'brand new', category: community.category, tags: ['t1'] } });
    await t.server.recommender.sync();
    const recs = (await t.gql(RECS, { id: uid(user) }, await t.tokenFor(user))).data.user.recommendedItems;
    const edge = recs.edges.find((e: any) => e.node.id === iid(item.id));
    expect(edge).toBeDefined();
    // NEW_ITEM adds nothing to this score (weight 0), so only the reason that does is shown.
    expect(edge.reasons.map((r: any) => [r.kind, r.weight])).toEqual([['MATCHES_INTERESTS', 1]]);
  });

  it('never shows blocked users or their items, nor private non-friends in reasons', async () => {
    const community = planted.communities[3];
    const [viewer, blocked] = community.users;
    const prisma = t.database.db.prisma;
    const blockedItem = await prisma.item.create({ data: { title: 'by blocked', category: 'cat3', authorId: blocked } });
    // Everyone in the community loves the blocked user's item.
    await prisma.interaction.createMany({ data: community.users.slice(2).map((u) => ({ userId: u, itemId: blockedItem.id, type: 'LIKE' as const })) });
    await prisma.block.create({ data: { blockerId: blocked, blockedId: viewer } });
    // Make every followee private and one-way: their activity must not be named.
    await prisma.follow.deleteMany({ where: { followeeId: viewer } });
    await prisma.user.updateMany({ where: { id: { in: community.users.slice(1) } }, data: { isPrivate: true } });
    await train('ITEMS');
    const recs = (await t.gql(RECS, { id: uid(viewer) }, await t.tokenFor(viewer))).data.user.recommendedItems;
    expect(recs.edges.map((e: any) => e.node.id)).not.toContain(iid(blockedItem.id));
    const named = recs.edges.flatMap((e: any) => e.reasons.flatMap((r: any) => r.users.map((u: any) => u.id)));
    expect(named).toEqual([]);
    const suggestions = await t.gql(`{ user(id: "${uid(viewer)}") { friendSuggestions(first: 20) { edges { node { id } } } } }`, {}, await t.tokenFor(viewer));
    expect(suggestions.data.user.friendSuggestions.edges.map((e: any) => e.node.id)).not.toContain(uid(blocked));
    await prisma.user.updateMany({ where: { id: { in: community.users.slice(1) } }, data: { isPrivate: false } });
  });

  it('does not promote a worse model, and rolls back on request', async () => {
    const before = await t.database.db.prisma.modelVersion.findFirstOrThrow({ where: { kind: 'ITEMS', status: 'ACTIVE' } });
    const worse = await train('ITEMS', {
      params: { itemItem: { kind: 'cosine', neighbours: 1 }, itemKnnNeighbours: 0, userNeighbours: 0, ranker: { enabled: false } },
    });
    expect(worse.outcome).toBe('NOT_PROMOTED');
    const rejected = await t.database.db.prisma.modelVersion.findUniqueOrThrow({ where: { id: worse.versionId! } });
    expect(rejected.status).toBe('REJECTED');
    expect((await t.database.db.prisma.modelVersion.findFirstOrThrow({ where: { kind: 'ITEMS', status: 'ACTIVE' } })).id).toBe(before.id);

    const first = await t.database.db.prisma.modelVersion.findFirstOrThrow({ where: { kind: 'ITEMS' }, orderBy: { id: 'asc' } });
    const res = await t.gql(
      `mutation($id: ID!) { activateModelVersion(id: $id) { version { id status } userErrors { code } } }`,
      { id: Buffer.from(`ModelVersion:${first.id}`).toString('base64url') },
      admin,
    );
    expect(res.data.activateModelVersion.version.status).toBe('ACTIVE');
    const status = (await t.gql(STATUS, {}, admin)).data.modelStatus.models.find((m: any) => m.kind === 'ITEMS');
    expect(status.activeVersion.id).toBe(res.data.activateModelVersion.version.id);
    expect(status.source).toBe('MODEL');
  });

  it('does not hold a candidate to metrics the active version was measured by under an earlier recipe', async () => {
    const prisma = t.database.db.prisma;
    const active = await prisma.modelVersion.findFirstOrThrow({ where: { kind: 'ITEMS', status: 'ACTIVE' } });
    const { measure, ...earlier } = active.metrics as Record<string, unknown>;
    expect(measure).toEqual(expect.any(String));
    // An unbeatable score under no stated measure: a comparison would refuse every candidate forever.
    await prisma.modelVersion.update({ where: { id: active.id }, data: { metrics: { ...earlier, ndcgAt10: 1 } } });
    const run = await train('ITEMS');
    expect(run.outcome).toBe('PROMOTED');
    const promoted = await prisma.modelVersion.findUniqueOrThrow({ where: { id: run.versionId! } });
    expect(promoted.metrics).toMatchObject({ measure, active: null, activeError: expect.stringContaining('earlier recipe') });
    // The next run compares again: the active version's metrics now carry the measure.
    const again = await train('ITEMS');
    const next = await prisma.modelVersion.findUniqueOrThrow({ where: { id: again.versionId! } });
    expect(next.metrics).toMatchObject({ active: { measure, ndcgAt10: (promoted.metrics as { ndcgAt10: number }).ndcgAt10 }, activeError: null });
  });

  it('trains once with two app instances on one database, and both serve the new version', async () => {
    const other = await startTestServer({ MODEL_POLL_MS: '100' }, await secondConnection(t.database));
    try {
      const [a, b] = await Promise.all([t.server.retrain('FRIENDS', 'MANUAL'), other.server.retrain('FRIENDS', 'MANUAL')]);
      expect(['run' in a, 'run' in b].sort()).toEqual([false, true]);
      const done = await ('done' in a ? a.done : (b as { done: Promise<any> }).done);
      expect(done.outcome).toBe('PROMOTED');
      const servedBy = async (server: TestServer) => {
        for (let i = 0; i < 50; i++) {
          const status = (await server.gql(STATUS, {}, admin)).data.modelStatus.models.find((m: any) => m.kind === 'FRIENDS');
          if (status.source === 'MODEL') return status.activeVersion.id;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        return null;
      };
      const version = Buffer.from(`ModelVersion:${done.versionId}`).toString('base64url');
      expect(await servedBy(t)).toBe(version);
      expect(await servedBy(other)).toBe(version);
      expect(await t.database.db.prisma.trainingRun.count({ where: { kind: 'FRIENDS' } })).toBe(1);
    } finally {
      await other.close();
    }
  });

  it('rejects a concurrent retrain with a clear error', async () => {
    const first = await startRetrain(deps(), 'FRIENDS', 'MANUAL');
    expect('run' in first).toBe(true);
    const second = await t.gql(`mutation { retrainModel(kind: FRIENDS) { run { id } userErrors { code message } } }`, {}, admin);
    expect(second.data.retrainModel).toEqual({ run: null, userErrors: [{ code: 'CONFLICT', message: 'A FRIENDS training run is already in progress' }] });
    const done = await (first as { done: Promise<any> }).done;
    expect(done.outcome).toBe('PROMOTED');
    const suggestions = await t.gql(`{ user(id: "${uid(planted.communities[0].users[3])}") { friendSuggestions(first: 5) { source edges { mutualFriendCount reasons { kind } } } } }`, {}, admin);
    expect(suggestions.data.user.friendSuggestions.source).toBe('MODEL');
  });

  it('records a failed run and keeps the active version serving', async () => {
    const active = await t.database.db.prisma.modelVersion.findFirstOrThrow({ where: { kind: 'ITEMS', status: 'ACTIVE' } });
    const run = await train('ITEMS', { train: async () => { throw new Error('worker ran out of memory'); } });
    expect([run.state, run.outcome, run.error]).toEqual(['FAILED', 'FAILED', 'worker ran out of memory']);
    const status = (await t.gql(STATUS, {}, admin)).data.modelStatus.models.find((m: any) => m.kind === 'ITEMS');
    expect(status).toMatchObject({ state: 'FAILED', source: 'MODEL', lastRun: { outcome: 'FAILED', error: 'worker ran out of memory' } });
    expect((await t.database.db.prisma.modelVersion.findFirstOrThrow({ where: { kind: 'ITEMS', status: 'ACTIVE' } })).id).toBe(active.id);
  });

  it('rejects a corrupt artifact on load and serves the previous good version or fallbacks', async () => {
    const prisma = t.database.db.prisma;
    const active = await prisma.modelVersion.findFirstOrThrow({ where: { kind: 'ITEMS', status: 'ACTIVE' } });
    const broken = Buffer.from(active.artifact);
    broken[broken.length - 1] ^= 0xff;
    const copy = await prisma.modelVersion.create({
      data: { ...active, id: undefined, status: 'CANDIDATE', artifact: broken, activatedAt: null } as never,
    });
    expect(checksumOf(broken)).not.toBe(copy.checksum);
    const res = await t.gql(
      `mutation($id: ID!) { activateModelVersion(id: $id) { version { id } userErrors { code } } }`,
      { id: Buffer.from(`ModelVersion:${copy.id}`).toString('base64url') },
      admin,
    );
    expect(res.data.activateModelVersion.userErrors).toEqual([]);
    const status = (await t.gql(STATUS, {}, admin)).data.modelStatus.models.find((m: any) => m.kind === 'ITEMS');
    expect(status.source).toBe('MODEL');
    expect(status.message).toMatch(/could not be loaded \(artifact checksum mismatch\); version \d+ keeps serving/);
    // Another process, with no good version in memory, serves fallbacks and says why.
    const other = await startTestServer({ MODEL_POLL_MS: '100000' }, await secondConnection(t.database));
    try {
      const otherStatus = (await other.gql(STATUS, {}, admin)).data.modelStatus.models.find((m: any) => m.kind === 'ITEMS');
      expect(otherStatus.source).toBe('FALLBACK');
      expect(otherStatus.message).toMatch(/artifact checksum mismatch/);
    } finally {
      await other.close();
    }
    await prisma.modelVersion.update({ where: { id: active.id }, data: { status: 'CANDIDATE' } });
    await t.server.recommender.activate(active.id);
  });
});
