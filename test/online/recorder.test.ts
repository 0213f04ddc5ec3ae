import { createLogger } from '../../src/logger';
import { ImpressionRecorder, type ImpressionRow } from '../../src/online/recorder';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { waitFor } from './wait';

let test: TestDatabase;
beforeAll(async () => {
  test = await createTestDatabase();
});
afterAll(() => test.drop());

const HOUR = 3600_000;
let sequence = 0;
const row = (tag: string, extra: Partial<ImpressionRow> = {}): ImpressionRow => ({
  recommendationId: `${tag}-${sequence++}`,
  viewerId: 1,
  kind: 'ITEMS',
  surface: 'recommendedItems',
  versionId: null,
  experimentId: null,
  arm: null,
  shownIds: [3, 1, 2],
  offset: 0,
  createdAt: new Date(),
  ...extra,
});

const stored = (prefix: string) =>
  test.db.query<{ recommendationId: string; shownIds: number[]; createdAt: Date }>(
    `SELECT "recommendationId", "shownIds", "createdAt" FROM "Impression" WHERE "recommendationId" LIKE $1 ORDER BY id`,
    [`${prefix}-%`],
  );

describe('impression recorder', () => {
  it('writes a full batch at once, in one statement per batch, without waiting for the timer', async () => {
    const recorder = new ImpressionRecorder(test.db, createLogger('silent'), { flushMs: HOUR, batchRows: 50, maxBuffered: 1000 });
    recorder.start();
    for (let i = 0; i < 120; i++) recorder.record(row('batch'));
    // Two full batches went out on their own; 20 rows wait for the timer or a flush.
    await waitFor(() => recorder.stats().written === 100);
    expect(recorder.stats()).toMatchObject({ written: 100, batches: 2, buffered: 20, dropped: 0 });
    await recorder.stop();
    expect(recorder.stats()).toMatchObject({ written: 120, batches: 3, buffered: 0 });
    const rows = await stored('batch');
    expect(rows).toHaveLength(120);
    expect(rows[0].shownIds).toEqual([3, 1, 2]);
  });

  it('flushes on the timer', async () => {
    const recorder = new ImpressionRecorder(test.db, createLogger('silent'), { flushMs: 50, batchRows: 500, maxBuffered: 1000 });
    recorder.start();
    recorder.record(row('timer'));
    await waitFor(() => recorder.stats().written === 1);
    await recorder.stop();
    expect(await stored('timer')).toHaveLength(1);
  });

  it('drains everything on stop (graceful shutdown)', async () => {
    const recorder = new ImpressionRecorder(test.db, createLogger('silent'), { flushMs: HOUR, batchRows: 500, maxBuffered: 1000 });
    recorder.start();
    for (let i = 0; i < 7; i++) recorder.record(row('shutdown'));
    expect(await stored('shutdown')).toHaveLength(0);
    await recorder.stop();
    expect(await stored('shutdown')).toHaveLength(7);
  });

  it('is bounded: drops the oldest rows when full and counts them', async () => {
    const recorder = new ImpressionRecorder(test.db, createLogger('silent'), { flushMs: HOUR, batchRows: 500, maxBuffered: 10 });
    const rows = Array.from({ length: 15 }, () => row('bounded'));
    for (const r of rows) recorder.record(r);
    expect(recorder.stats()).toMatchObject({ buffered: 10, dropped: 5 });
    await recorder.stop();
    expect((await stored('bounded')).map((r) => r.recommendationId)).toEqual(rows.slice(5).map((r) => r.recommendationId));
  });

  it('stores the time in UTC as the rest of the schema does', async () => {
    const at = new Date('2026-06-01T12:34:56.789Z');
    const recorder = new ImpressionRecorder(test.db, createLogger('silent'), { flushMs: HOUR, batchRows: 500, maxBuffered: 10 });
    recorder.record(row('time', { createdAt: at }));
    await recorder.stop();
    const [{ iso }] = await test.db.query<{ iso: string }>(
      `SELECT to_char("createdAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS iso FROM "Impression" WHERE "recommendationId" LIKE 'time-%'`,
    );
    expect(iso).toBe('2026-06-01T12:34:56.789');
  });
});
