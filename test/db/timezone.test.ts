import { openDatabase, type Database } from '../../src/db/client';
import { admin, createTestDatabase, describeOnPostgres, type TestDatabase } from '../helpers/db';

// A database configured for another zone: its sessions start in that zone (Postgres only).
describeOnPostgres('database sessions on a server in another time zone', () => {
  let t: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    t = await createTestDatabase();
    const name = new URL(t.url!).pathname.slice(1);
    await admin((client) => client.query(`ALTER DATABASE "${name}" SET timezone TO 'America/New_York'`));
    db = await openDatabase({ url: t.url!, poolSize: 2 });
  });
  afterAll(async () => {
    await db.close();
    await t.drop();
  });

  it('store column defaults and cast instants in UTC, as Prisma does', async () => {
    const [{ id }] = await db.query<{ id: number }>(`INSERT INTO "User" (handle, "displayName") VALUES ('tz', 'TZ') RETURNING id`);
    const instant = new Date('2026-06-01T12:00:00Z');
    await db.query(`INSERT INTO "Item" (title, body, "createdAt") VALUES ('t', 'b', $1::timestamptz)`, [instant.toISOString()]);
    const user = await db.prisma.user.findUniqueOrThrow({ where: { id } });
    expect(Math.abs(user.createdAt.getTime() - Date.now())).toBeLessThan(60_000);
    const item = await db.prisma.item.findFirstOrThrow({ where: { title: 't' } });
    expect(item.createdAt.toISOString()).toBe(instant.toISOString());
  });
});
