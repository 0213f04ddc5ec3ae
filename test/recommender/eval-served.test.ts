/**
 * One path, measured: the list a user is served through GraphQL is the list the offline
 * evaluation scores for the same user and the same trained version.
 */
import { startRetrain } from '../../src/jobs/retrain';
import { createLogger } from '../../src/logger';
import { unpackArtifact } from '../../src/recommender/artifact';
import { evaluationList } from '../../src/recommender/eval/items-eval';
import { deserialize } from '../../src/recommender/items/artifact';
import { buildInteractions } from '../../src/recommender/items/data';
import { itemTrainingData } from '../../src/recommender/model-inputs';
import { readArtifact } from '../../src/recommender/registry';
import { takeSnapshot } from '../../src/recommender/snapshot';
import { plantCommunities, type Planted } from '../helpers/planted';
import { startTestServer, iid, uid, type TestServer } from '../helpers/server';

let t: TestServer;
let planted: Planted;
beforeAll(async () => {
  // Lists are computed per request here, so the comparison sees the model, not a cache.
  t = await startTestServer({ RECOMMENDATION_CACHE_MS: '0' });
  planted = await plantCommunities(t.database.db);
});
afterAll(() => t.close());

const RECS = `query($id: ID!) { user(id: $id) { recommendedItems(first: 20) { source edges { node { id } } } } }`;

it('serves exactly the list the evaluation scores', async () => {
  const started = await startRetrain({ config: t.config, db: t.database.db, logger: createLogger('silent') }, 'ITEMS', 'MANUAL');
  if ('busy' in started) throw new Error('unexpectedly busy');
  expect((await started.done).outcome).toBe('PROMOTED');
  await t.server.recommender.sync();

  const version = await t.database.db.prisma.modelVersion.findFirstOrThrow({ where: { kind: 'ITEMS', status: 'ACTIVE' }, omit: { artifact: true } });
  const stored = (await readArtifact(t.database.db, version.id))!;
  const artifact = unpackArtifact(stored.artifact, stored.checksum);
  const model = deserialize(artifact.model);
  // The evaluation's view of the same data: the database's pairs as training positives.
  const data = itemTrainingData(await takeSnapshot(t.database.db));
  const x = buildInteractions(data);
  const users = planted.communities.flatMap((c) => c.users.slice(0, 3));
  expect(users.length).toBeGreaterThan(8);
  for (const userId of users) {
    const u = Array.from(artifact.userIds).indexOf(userId);
    const evaluated = evaluationList(model, x.byUser, data.follows, u, 20).map((i) => iid(artifact.itemIds[i]));
    const response = await t.gql(RECS, { id: uid(userId) }, await t.tokenFor(userId));
    const served = response.data.user.recommendedItems;
    expect(served.source).toBe('MODEL');
    const servedIds: string[] = served.edges.map((e: { node: { id: string } }) => e.node.id);
    expect(servedIds).toHaveLength(20);
    expect(servedIds).toEqual(evaluated);
  }
  // Two fits (measured and served), each with lambda tuning: minutes on a loaded machine.
}, 600_000);
