/**
 * Lists precomputed by training: a user whose state is the one the snapshot saw is served the
 * stored list, and it is exactly what ranking the state now gives (items, scores, reasons); a
 * user whose behaviour changed since is ranked live.
 */
import { startRetrain } from '../../../src/jobs/retrain';
import { createLogger } from '../../../src/logger';
import { loadConfig } from '../../../src/config';
import { ActiveModels } from '../../../src/recommender/serve/active-models';
import { LoadedItemModel, listDepth, STORED_DEPTH } from '../../../src/recommender/serve/items';
import { loadUserState } from '../../../src/recommender/serve/user-state';
import { createTestDatabase, type TestDatabase } from '../../helpers/db';
import { plantCommunities, type Planted } from '../../helpers/planted';

let database: TestDatabase;
let planted: Planted;
let stored: LoadedItemModel;
/** The same version without its lists: always ranks live. */
let live: LoadedItemModel;

beforeAll(async () => {
  database = await createTestDatabase();
  const { db } = database;
  planted = await plantCommunities(db);
  // States the snapshot must reproduce as serving reads them: a private followee who does not
  // follow back (hidden from the follower), a block between two friends, and a HIDE.
  const [c0, c1] = planted.communities;
  await db.prisma.user.update({ where: { id: c1.users[0] }, data: { isPrivate: true } });
  await db.prisma.follow.createMany({ data: [{ followerId: c0.users[0], followeeId: c1.users[0] }], skipDuplicates: true });
  await db.prisma.block.create({ data: { blockerId: c0.users[1], blockedId: c0.users[2] } });
  await db.prisma.interaction.create({ data: { userId: c0.users[3], itemId: c0.items[0], type: 'HIDE' } });

  const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'test-secret-0123456789', LOG_LEVEL: 'silent' });
  const started = await startRetrain({ config, db, logger: createLogger('silent') }, 'ITEMS', 'MANUAL');
  if ('busy' in started) throw new Error('unexpectedly busy');
  expect((await started.done).outcome).toBe('PROMOTED');
  const models = new ActiveModels(db, createLogger('silent'));
  await models.sync();
  if (models.items.phase !== 'ready') throw new Error('no item model loaded');
  stored = models.items.model;
  live = new LoadedItemModel(stored.model, stored.userIds, stored.itemIds);
}, 600_000);
afterAll(() => database.drop());

const { count, sourcesFor } = listDepth(20, false);

it('serves every unchanged user their stored list, equal to ranking now, reasons included', async () => {
  expect(stored.lists?.depth).toBe(STORED_DEPTH);
  for (const userId of planted.communities.flatMap((c) => c.users)) {
    const state = await loadUserState(database.db, userId);
    const fromList = stored.rank(state, count, sourcesFor);
    const ranked = live.rank(state, count, sourcesFor);
    // Only stored entries carry sourcesAt: the stored path was taken for every planted user.
    expect(fromList.slice(0, sourcesFor).every((r) => r.sourcesAt !== undefined)).toBe(true);
    expect(fromList.map((r) => [r.itemId, r.score])).toEqual(ranked.map((r) => [r.itemId, r.score]));
    const page = (list: typeof ranked) => list.slice(0, 20);
    expect(stored.explain(state, page(fromList))).toEqual(live.explain(state, page(ranked)));
  }
});

it('ranks live once the user has new behaviour, and for a filtered (deeper) list', async () => {
  const [c0] = planted.communities;
  const userId = c0.users[5];
  const before = await loadUserState(database.db, userId);
  expect(stored.rank(before, listDepth(20, true).count)[0].sourcesAt).toBeUndefined();

  const unseen = c0.items.find((itemId) => !before.history.some((h) => h.itemId === itemId))!;
  await database.db.prisma.interaction.create({ data: { userId, itemId: unseen, type: 'LIKE' } });
  const after = await loadUserState(database.db, userId);
  const fromModel = stored.rank(after, count, sourcesFor);
  expect(fromModel.some((r) => r.sourcesAt !== undefined)).toBe(false);
  expect(fromModel.map((r) => r.itemId)).not.toContain(unseen);
  expect(fromModel).toEqual(live.rank(after, count, sourcesFor));
});
