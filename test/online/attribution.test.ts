import { createLogger } from '../../src/logger';
import { onlineMetrics } from '../../src/online/metrics';
import { ImpressionRecorder, type ImpressionRow } from '../../src/online/recorder';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { factories } from '../helpers/factories';

let test: TestDatabase;
beforeAll(async () => {
  test = await createTestDatabase();
});
afterAll(() => test.drop());

const MIN = 60_000;
const WINDOW = 30 * MIN;
const t0 = new Date('2026-11-01T10:00:00.000Z');
const at = (minutes: number) => new Date(t0.getTime() + minutes * MIN);

async function record(rows: Omit<ImpressionRow, 'experimentId' | 'arm' | 'surface'>[]) {
  const recorder = new ImpressionRecorder(test.db, createLogger('silent'), { flushMs: 3600_000, batchRows: 100, maxBuffered: 100 });
  for (const r of rows) {
    recorder.record({ ...r, experimentId: null, arm: null, surface: r.kind === 'ITEMS' ? 'recommendedItems' : 'friendSuggestions' });
  }
  await recorder.stop();
}

const query = (kind: 'ITEMS' | 'FRIENDS') =>
  onlineMetrics(test.db, { kind, from: at(-60), to: at(60), groupBy: 'version', attributionWindowMs: WINDOW, positiveRating: 4 });

describe('attribution and online metrics', () => {
  it('attributes by recommendationId first, else to the latest impression within the window, and computes the metrics', async () => {
    const make = factories(test.db);
    const [u1, u2] = [await make.user(), await make.user()];
    const items = await Promise.all(Array.from({ length: 5 }, () => make.item()));
    const [i1, i2, i3, i4, i5] = items.map((i) => i.id);
    const base = { kind: 'ITEMS' as const };
    await record([
      { ...base, recommendationId: 'ra', viewerId: u1.id, versionId: 7, shownIds: [i1, i2, i3], offset: 0, createdAt: at(0) },
      { ...base, recommendationId: 'rb', viewerId: u2.id, versionId: 7, shownIds: [i4, i5], offset: 10, createdAt: at(0) },
      { ...base, recommendationId: 'rc', viewerId: u1.id, versionId: 8, shownIds: [i3, i4], offset: 0, createdAt: at(1) },
    ]);
    const prisma = test.db.prisma;
    await prisma.interaction.createMany({
      data: [
        // Carries ra: attributed to it although it is past the window. Position 2, positive.
        { userId: u1.id, itemId: i2, type: 'LIKE', recommendationId: 'ra', createdAt: at(50) },
        // No id: both ra (t0) and rc (t0+1) showed i3; the latest wins. Position 1, not positive.
        { userId: u1.id, itemId: i3, type: 'CLICK', createdAt: at(5) },
        // A HIDE on rb.
        { userId: u2.id, itemId: i5, type: 'HIDE', recommendationId: 'rb', createdAt: at(1) },
        // Past the window and no id: unattributed.
        { userId: u2.id, itemId: i4, type: 'RATE', value: 5, createdAt: at(45) },
        // VIEW is not an engagement.
        { userId: u1.id, itemId: i1, type: 'VIEW', recommendationId: 'ra', createdAt: at(2) },
        // An id that matches nothing falls back to the window: ra again, same item (counted once).
        { userId: u1.id, itemId: i2, type: 'LIKE', recommendationId: 'unknown', createdAt: at(10) },
      ],
    });
    const catalogue = await prisma.item.count({ where: { hidden: false } });
    const rows = await query('ITEMS');
    expect(rows.map((r) => r.key)).toEqual(['7', '8']);
    const [v7, v8] = rows;
    expect(v7).toMatchObject({
      impressions: 2,
      shownIds: 5,
      engagedImpressions: 1,
      engagedIds: 1,
      positiveImpressions: 1,
      hiddenImpressions: 1,
      distinctShown: 5,
      catalogueSize: catalogue,
    });
    expect(v7.ctr).toBeCloseTo(0.5);
    expect(v7.ctrPerShownId).toBeCloseTo(1 / 5);
    expect(v7.positiveRate).toBeCloseTo(0.5);
    expect(v7.hideRate).toBeCloseTo(0.5);
    // (1/2 for ra + 0 for rb) / 2
    expect(v7.mrr).toBeCloseTo(0.25);
    expect(v7.coverage).toBeCloseTo(5 / catalogue);
    expect(v8).toMatchObject({ impressions: 1, shownIds: 2, engagedImpressions: 1, positiveImpressions: 0, hiddenImpressions: 0 });
    expect(v8.ctrPerShownId).toBeCloseTo(0.5);
    expect(v8.mrr).toBeCloseTo(1);
  });

  it('attributes follows to friend-suggestion impressions within the window', async () => {
    const make = factories(test.db);
    const [viewer, a, b, c] = [await make.user(), await make.user(), await make.user(), await make.user()];
    await record([
      { kind: 'FRIENDS', recommendationId: 'rf1', viewerId: viewer.id, versionId: null, shownIds: [a.id, b.id], offset: 0, createdAt: at(0) },
      { kind: 'FRIENDS', recommendationId: 'rf2', viewerId: viewer.id, versionId: null, shownIds: [c.id], offset: 0, createdAt: at(0) },
    ]);
    await test.db.prisma.follow.createMany({
      data: [
        { followerId: viewer.id, followeeId: b.id, createdAt: at(5) },
        // Too late for the window.
        { followerId: viewer.id, followeeId: c.id, createdAt: at(40) },
      ],
    });
    const [fallback] = await query('FRIENDS');
    expect(fallback).toMatchObject({ key: 'fallback', impressions: 2, engagedImpressions: 1, positiveImpressions: 1 });
    expect(fallback.mrr).toBeCloseTo((1 / 2 + 0) / 2);
  });
});
