import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { createTestDatabase, itOnPostgres, type TestDatabase } from '../helpers/db';
import { factories } from '../helpers/factories';

const root = path.resolve(__dirname, '..', '..');
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

// The process's time zone is fixed at its start, so the snapshot is taken by a child process;
// embedded PGlite cannot be shared with one.

describe('training snapshot', () => {
  itOnPostgres('reads times as UTC whatever the process time zone', async () => {
    const make = factories(t.db);
    const user = await make.user();
    const created = new Date('2026-06-01T12:00:00Z');
    const item = await make.item({ createdAt: created });
    const liked = new Date('2026-06-02T08:30:00Z');
    await make.interaction(user.id, item.id, 'LIKE', liked);
    const env = { ...process.env, DATABASE_URL: t.url!, TZ: 'America/New_York' };
    const { stdout } = await promisify(execFile)(path.join(root, 'node_modules', '.bin', 'tsx'), ['test/helpers/snapshot-times.ts'], { cwd: root, env });
    const s = JSON.parse(stdout) as { offset: number; itemIds: number[]; itemCreatedAt: number[]; pairTimes: number[] };
    // Four hours behind UTC in June: a local-time reading would move every time by that much.
    expect(s.offset).toBe(240);
    expect(s.itemCreatedAt[s.itemIds.indexOf(item.id)]).toBe(created.getTime() / 1000);
    expect(s.pairTimes).toEqual([liked.getTime() / 1000]);
  });
});
