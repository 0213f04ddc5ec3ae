import { createLogger } from '../../src/logger';
import { parseExperiment } from '../../src/online/experiments';
import { ImpressionRecorder } from '../../src/online/recorder';
import { experimentResults } from '../../src/online/results';
import { defaultOnlineSettings } from '../../src/online/settings';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { factories } from '../helpers/factories';

let test: TestDatabase;
beforeAll(async () => {
  test = await createTestDatabase();
});
afterAll(() => test.drop());

const MIN = 60_000;
const t0 = new Date('2026-11-02T10:00:00.000Z');
const at = (minutes: number) => new Date(t0.getTime() + minutes * MIN);

describe('experiment results', () => {
  it('compares a stopped treatment with the control over the same window, up to the stop', async () => {
    const make = factories(test.db);
    const admin = await make.user({ role: 'ADMIN' });
    const item = await make.item();
    const row = await test.db.prisma.experiment.create({
      data: {
        name: 'window',
        kind: 'ITEMS',
        status: 'RUNNING',
        startedAt: t0,
        arms: [
          { name: 'control', versionId: 1, share: 0.5, stoppedAt: null, stoppedReason: null },
          { name: 'treatment', versionId: 2, share: 0.5, stoppedAt: at(10).toISOString(), stoppedReason: 'test' },
        ],
        audienceShare: 1,
        minImpressionsPerArm: 1,
        createdById: admin.id,
      },
    });
    const recorder = new ImpressionRecorder(test.db, createLogger('silent'), { flushMs: 3600_000, batchRows: 100, maxBuffered: 100 });
    const engaged: { userId: number; rid: string; createdAt: Date }[] = [];
    // Before the stop: control 2 of 4 engaged, treatment 1 of 4. After it: control 0 of 4.
    const plan = [
      ...[true, true, false, false].map((e) => ({ arm: 'control', minute: 1, engaged: e })),
      ...[true, false, false, false].map((e) => ({ arm: 'treatment', minute: 2, engaged: e })),
      ...[false, false, false, false].map((e) => ({ arm: 'control', minute: 30, engaged: e })),
    ];
    for (const [i, p] of plan.entries()) {
      const viewer = await make.user();
      const rid = `window-${i}`;
      recorder.record({
        recommendationId: rid,
        viewerId: viewer.id,
        kind: 'ITEMS',
        surface: 'recommendedItems',
        versionId: p.arm === 'control' ? 1 : 2,
        experimentId: row.id,
        arm: p.arm,
        shownIds: [item.id],
        offset: 0,
        createdAt: at(p.minute),
      });
      if (p.engaged) engaged.push({ userId: viewer.id, rid, createdAt: at(p.minute + 1) });
    }
    await recorder.stop();
    await test.db.prisma.interaction.createMany({
      data: engaged.map((e) => ({ userId: e.userId, itemId: item.id, type: 'CLICK' as const, recommendationId: e.rid, createdAt: e.createdAt })),
    });
    const results = await experimentResults(test.db, parseExperiment(row), defaultOnlineSettings, at(60));
    const [control, treatment] = results.arms;
    // The control's own figures cover the whole run...
    expect(control.metrics).toMatchObject({ impressions: 8, engagedImpressions: 2 });
    // ...but the stopped treatment is compared with its first 10 minutes: 0.25 - 0.5.
    expect(treatment.ctrVersusControl!.difference).toBeCloseTo(-0.25, 10);
  });
});
