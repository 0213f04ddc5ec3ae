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

async function experiment(name: string, treatmentStoppedAt: Date | null) {
  const admin = await factories(test.db).user({ role: 'ADMIN' });
  return test.db.prisma.experiment.create({
    data: {
      name,
      kind: 'ITEMS',
      status: 'RUNNING',
      startedAt: t0,
      arms: [
        { name: 'control', versionId: 1, share: 0.5, stoppedAt: null, stoppedReason: null },
        { name: 'treatment', versionId: 2, share: 0.5, stoppedAt: treatmentStoppedAt?.toISOString() ?? null, stoppedReason: treatmentStoppedAt ? 'test' : null },
      ],
      audienceShare: 1,
      minImpressionsPerArm: 1,
      createdById: admin.id,
    },
  });
}

describe('experiment results', () => {
  it('test users, not impressions: one user engaging on every visit counts once', async () => {
    const make = factories(test.db);
    const item = await make.item();
    const row = await experiment('users', null);
    const recorder = new ImpressionRecorder(test.db, createLogger('silent'), { flushMs: 3600_000, batchRows: 100, maxBuffered: 100 });
    const clicks: { userId: number; rid: string }[] = [];
    // Control: 4 users, one of whom engages on each of 10 visits. Treatment: 4 users, 2 engage once.
    const plan = [
      { arm: 'control', visits: 10, engages: true },
      ...Array.from({ length: 3 }, () => ({ arm: 'control', visits: 1, engages: false })),
      ...Array.from({ length: 2 }, () => ({ arm: 'treatment', visits: 1, engages: true })),
      ...Array.from({ length: 2 }, () => ({ arm: 'treatment', visits: 1, engages: false })),
    ];
    for (const [u, p] of plan.entries()) {
      const viewer = await make.user();
      for (let v = 0; v < p.visits; v++) {
        const rid = `users-${u}-${v}`;
        recorder.record({ recommendationId: rid, viewerId: viewer.id, kind: 'ITEMS', surface: 'recommendedItems', versionId: p.arm === 'control' ? 1 : 2, experimentId: row.id, arm: p.arm, shownIds: [item.id], offset: 0, createdAt: at(1 + v) });
        if (p.engages) clicks.push({ userId: viewer.id, rid });
      }
    }
    await recorder.stop();
    await test.db.prisma.interaction.createMany({ data: clicks.map((c) => ({ userId: c.userId, itemId: item.id, type: 'CLICK' as const, recommendationId: c.rid, createdAt: at(20) })) });
    const [control, treatment] = (await experimentResults(test.db, parseExperiment(row), defaultOnlineSettings, at(60))).arms;
    // Per impression the control looks better (10/13 vs 2/4); per user it is 1/4 vs 2/4.
    expect(control.metrics).toMatchObject({ impressions: 13, engagedImpressions: 10, exposedUsers: 4, engagedUsers: 1 });
    expect(treatment.metrics).toMatchObject({ impressions: 4, engagedImpressions: 2, exposedUsers: 4, engagedUsers: 2 });
    expect(treatment.ctrVersusControl!.difference).toBeCloseTo(0.25, 10);
  });

  it('compares a stopped treatment with the control over the same window, up to the stop', async () => {
    const make = factories(test.db);
    const item = await make.item();
    const row = await experiment('window', at(10));
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
