import { openDatabase, type Database } from '../../src/db/client';
import { migrate } from '../../src/db/migrate';
import { openDataset } from '../../src/datasets/open';
import type { DatasetReader } from '../../src/datasets/types';
import { importDataset, UNDATED_INTERACTION_TIME } from '../../src/importer/import-dataset';

const fixtures = `${__dirname}/../fixtures/datasets`;

let db: Database;

// One embedded database for the file, emptied before each test: every test starts fresh.
beforeAll(async () => {
  db = await openDatabase({ url: null, dataDir: 'memory://' });
  await migrate(db);
});

beforeEach(async () => {
  await db.exec('TRUNCATE "Interaction", "Follow", "Item", "User" RESTART IDENTITY CASCADE');
});

afterAll(async () => {
  await db.close();
});

async function tableCounts() {
  const [row] = await db.query<Record<string, number>>(`SELECT
    (SELECT count(*)::int FROM "User") AS users,
    (SELECT count(*)::int FROM "Item") AS items,
    (SELECT count(*)::int FROM "Interaction") AS interactions,
    (SELECT count(*)::int FROM "Follow") AS follows`);
  return row;
}

describe('importDataset', () => {
  it('imports a dataset folder, and a second run adds nothing', async () => {
    const first = await importDataset(db, openDataset('lastfm', `${fixtures}/lastfm-hetrec2011`));
    expect(first.users).toEqual({ read: 5, inserted: 5, skipped: 0 });
    expect(first.items).toEqual({ read: 4, inserted: 4, skipped: 0 });
    expect(first.interactions).toEqual({ read: 4, inserted: 4, skipped: 0, repeats: 0 });
    // Three friendships, each stored in both directions.
    expect(first.follows).toEqual({ read: 3, inserted: 6, skipped: 0 });
    expect(await tableCounts()).toEqual({ users: 5, items: 4, interactions: 4, follows: 6 });

    const second = await importDataset(db, openDataset('lastfm', `${fixtures}/lastfm-hetrec2011`));
    expect(second.users).toEqual({ read: 5, inserted: 0, skipped: 5 });
    expect(second.items).toEqual({ read: 4, inserted: 0, skipped: 4 });
    expect(second.interactions).toEqual({ read: 4, inserted: 0, skipped: 4, repeats: 0 });
    expect(second.follows).toEqual({ read: 3, inserted: 0, skipped: 6 });
    expect(await tableCounts()).toEqual({ users: 5, items: 4, interactions: 4, follows: 6 });
  });

  it('leaves the planner statistics of the tables it loaded up to date', async () => {
    await importDataset(db, openDataset('lastfm', `${fixtures}/lastfm-hetrec2011`));
    const rows = await db.query<{ relname: string; reltuples: number }>(
      `SELECT relname, reltuples::int AS reltuples FROM pg_class WHERE relname IN ('User', 'Item', 'Interaction', 'Follow') ORDER BY relname`,
    );
    expect(rows).toEqual([
      { relname: 'Follow', reltuples: 6 },
      { relname: 'Interaction', reltuples: 4 },
      { relname: 'Item', reltuples: 4 },
      { relname: 'User', reltuples: 5 },
    ]);
  });

  it('stores ids, names, tags, play counts and both directions of a friendship', async () => {
    await importDataset(db, openDataset('lastfm', `${fixtures}/lastfm-hetrec2011`));

    const [user] = await db.query(`SELECT handle, "displayName" FROM "User" WHERE "externalId" = 'lastfm:10'`);
    expect(user).toEqual({ handle: 'lastfm-10', displayName: 'lastfm user 10' });
    const [item] = await db.query(`SELECT title, category, tags FROM "Item" WHERE "externalId" = 'lastfm:100'`);
    expect(item).toEqual({ title: 'The Made Up Band', category: null, tags: ['rock', 'café', 'jazz'] });
    const plays = await db.query<{ type: string; value: number }>(
      `SELECT x.type::text AS type, x.value FROM "Interaction" x
       JOIN "User" u ON u.id = x."userId" JOIN "Item" i ON i.id = x."itemId"
       WHERE u."externalId" = 'lastfm:10' AND i."externalId" = 'lastfm:100'`,
    );
    expect(plays).toEqual([{ type: 'PLAY', value: 50 }]);
    const follows = await db.query<{ pair: string }>(
      `SELECT a."externalId" || '>' || b."externalId" AS pair FROM "Follow" f
       JOIN "User" a ON a.id = f."followerId" JOIN "User" b ON b.id = f."followeeId" ORDER BY 1`,
    );
    expect(follows.map((f) => f.pair)).toEqual([
      'lastfm:10>lastfm:11',
      'lastfm:10>lastfm:12',
      'lastfm:10>lastfm:13',
      'lastfm:11>lastfm:10',
      'lastfm:12>lastfm:10',
      'lastfm:13>lastfm:10',
    ]);
  });

  it('stores dataset times in UTC and a fixed time when the dataset has none', async () => {
    await importDataset(db, openDataset('ciao', `${fixtures}/ciao`));
    await importDataset(db, openDataset('filmtrust', `${fixtures}/filmtrust`));
    const rows = await db.query<{ ext: string; at: string }>(
      `SELECT u."externalId" AS ext, to_char(x."createdAt", 'YYYY-MM-DD"T"HH24:MI:SS') AS at
       FROM "Interaction" x JOIN "User" u ON u.id = x."userId"
       WHERE u."externalId" IN ('ciao:1', 'filmtrust:1') ORDER BY 1, 2`,
    );
    expect(rows).toEqual([
      { ext: 'ciao:1', at: '2000-05-30T07:00:00' },
      { ext: 'filmtrust:1', at: UNDATED_INTERACTION_TIME.toISOString().slice(0, 19) },
      { ext: 'filmtrust:1', at: UNDATED_INTERACTION_TIME.toISOString().slice(0, 19) },
    ]);
  });

  it.each([1, 2, 5000])('keeps the last value of a pair rated twice (batch size %i)', async (batchSize) => {
    // FilmTrust user 3 rates film 102 twice, 4 then 1.5 (rows 5 and 6).
    const first = await importDataset(db, openDataset('filmtrust', `${fixtures}/filmtrust`), { batchSize });
    expect(first.interactions).toEqual({ read: 5, inserted: 4, skipped: 1, repeats: 1 });
    const value = () =>
      db.query<{ value: number }>(
        `SELECT x.value FROM "Interaction" x JOIN "User" u ON u.id = x."userId" JOIN "Item" i ON i.id = x."itemId"
         WHERE u."externalId" = 'filmtrust:3' AND i."externalId" = 'filmtrust:102'`,
      );
    expect(await value()).toEqual([{ value: 1.5 }]);

    const second = await importDataset(db, openDataset('filmtrust', `${fixtures}/filmtrust`), { batchSize });
    expect(second.interactions.inserted).toBe(0);
    expect(await value()).toEqual([{ value: 1.5 }]);
    expect((await tableCounts()).interactions).toBe(4);
  });

  it('completes a partial import without duplicating what it already wrote', async () => {
    const folder = `${fixtures}/filmtrust`;
    const partial = await importDataset(db, openDataset('filmtrust', folder), { limit: 2 });
    expect(partial.interactions.inserted).toBe(2);

    const rest = await importDataset(db, openDataset('filmtrust', folder));
    expect(rest.interactions).toEqual({ read: 5, inserted: 2, skipped: 3, repeats: 1 });
    expect((await tableCounts()).interactions).toBe(4);
  });

  it('never changes a row written by an earlier run, even for a repeated pair', async () => {
    const folder = `${fixtures}/filmtrust`;
    await importDataset(db, openDataset('filmtrust', folder), { batchSize: 1 });
    await db.exec(`UPDATE "Interaction" SET value = 9 WHERE value = 1.5`);

    await importDataset(db, openDataset('filmtrust', folder), { batchSize: 1 });
    const [row] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Interaction" WHERE value = 9`);
    expect(row.n).toBe(1);
  });

  it('writes nothing for malformed lines or for records that point at nothing', async () => {
    // The fixture's bad lines: a play of artist `abc`, a two-field play row, a self-friendship.
    const reader = openDataset('lastfm', `${fixtures}/lastfm-hetrec2011`);
    await importDataset(db, reader);
    expect(reader.issues.map((i) => `${i.file}:${i.line}`)).toEqual(
      expect.arrayContaining(['user_artists.dat:5', 'user_artists.dat:6', 'user_friends.dat:6']),
    );
    const [bad] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "Item" WHERE "externalId" IN ('lastfm:abc', 'lastfm:x')`,
    );
    expect(bad.n).toBe(0);
    const [selfFollows] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Follow" WHERE "followerId" = "followeeId"`);
    expect(selfFollows.n).toBe(0);

    // A reader whose interaction and edge name ids it never listed: skipped, not half-written.
    const dangling: DatasetReader = {
      name: 'filmtrust',
      dir: '/nowhere',
      issues: [],
      async *users() {
        yield { externalId: '1' };
      },
      async *items() {},
      async *interactions() {
        yield { user: '1', item: '404', type: 'RATE', value: 3, time: null };
      },
      async *edges() {
        yield { from: '1', to: '404', mutual: true };
        yield { from: '1', to: '1', mutual: false };
      },
    };
    const result = await importDataset(db, dangling);
    expect(result.interactions).toEqual({ read: 1, inserted: 0, skipped: 1, repeats: 0 });
    expect(result.follows).toEqual({ read: 2, inserted: 0, skipped: 3 });
  });

  it('imports only the first interactions and edges, and what they use, under a limit', async () => {
    const result = await importDataset(db, openDataset('lastfm', `${fixtures}/lastfm-hetrec2011`), { limit: 1 });
    // Play 10->100 and friendship 10-11.
    expect(result.users.inserted).toBe(2);
    expect(result.items.inserted).toBe(1);
    expect(result.interactions.inserted).toBe(1);
    expect(result.follows).toEqual({ read: 1, inserted: 2, skipped: 0 });
  });

  it('reports progress per phase', async () => {
    const phases = new Set<string>();
    await importDataset(db, openDataset('facebook-ego', `${fixtures}/facebook-ego`), {
      onProgress: (p) => phases.add(p.phase),
    });
    expect([...phases]).toEqual(['users', 'items', 'interactions', 'follows']);
  });
});
