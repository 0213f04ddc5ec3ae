/**
 * Experiments as rows, and every change to one as an ExperimentEvent (who, what, when).
 * The first arm is always the control: the version that was ACTIVE when the experiment was
 * created. Only one experiment per kind runs at a time, so assignment is never ambiguous;
 * starting checks it inside the transaction that flips the status.
 */
import type { Experiment, ExperimentEventType, Prisma, PrismaClient } from '../generated/prisma/client';
import type { Database } from '../db/client';
import type { ModelKind } from '../recommender/artifact';

export interface Arm {
  name: string;
  versionId: number;
  share: number;
  /** Set when the guardrail (or an admin) took the arm out of traffic. */
  stoppedAt: string | null;
  stoppedReason: string | null;
}

export interface ExperimentRecord extends Omit<Experiment, 'arms'> {
  arms: Arm[];
}

export type ExperimentResult<T> = { ok: T } | { error: string; code: 'INVALID' | 'NOT_FOUND' | 'CONFLICT' };

export const CONTROL = 'control';

export function parseExperiment(row: Experiment): ExperimentRecord {
  return { ...row, arms: row.arms as unknown as Arm[] };
}

export interface NewExperiment {
  name: string;
  kind: ModelKind;
  treatments: { versionId: number; share: number }[];
  controlShare: number;
  audienceShare: number;
  minImpressionsPerArm: number;
}

type Tx = Prisma.TransactionClient | PrismaClient;

function event(tx: Tx, experimentId: number, type: ExperimentEventType, actorId: number | null, detail: Record<string, unknown>) {
  return tx.experimentEvent.create({ data: { experimentId, type, actorId, detail: detail as Prisma.InputJsonValue } });
}

export async function createExperiment(prisma: PrismaClient, input: NewExperiment, actorId: number): Promise<ExperimentResult<ExperimentRecord>> {
  if (!input.name.trim() || input.name.length > 200) return { error: 'A name of 1 to 200 characters is required', code: 'INVALID' };
  if (input.treatments.length === 0) return { error: 'At least one treatment version is required', code: 'INVALID' };
  const shares = [input.controlShare, ...input.treatments.map((t) => t.share)];
  if (shares.some((s) => !(s > 0) || !Number.isFinite(s))) return { error: 'Every traffic share must be positive', code: 'INVALID' };
  if (!(input.audienceShare > 0 && input.audienceShare <= 1)) return { error: 'The audience share must be in (0, 1]', code: 'INVALID' };
  if (!Number.isSafeInteger(input.minImpressionsPerArm) || input.minImpressionsPerArm < 1) {
    return { error: 'The minimum impressions per arm must be a positive integer', code: 'INVALID' };
  }
  const control = await prisma.modelVersion.findFirst({ where: { kind: input.kind, status: 'ACTIVE' }, select: { id: true } });
  if (!control) return { error: `No ${input.kind} version is active to serve as the control`, code: 'INVALID' };
  const ids = input.treatments.map((t) => t.versionId);
  if (new Set(ids).size !== ids.length || ids.includes(control.id)) {
    return { error: 'Treatments must be distinct versions other than the active one', code: 'INVALID' };
  }
  const found = await prisma.modelVersion.findMany({ where: { id: { in: ids } }, select: { id: true, kind: true, status: true } });
  for (const id of ids) {
    const version = found.find((v) => v.id === id);
    if (!version) return { error: `Model version ${id} does not exist`, code: 'NOT_FOUND' };
    // REJECTED only means "worse offline than the active one": exactly what an online test may overturn.
    if (version.kind !== input.kind) {
      return { error: `Model version ${id} is not a usable ${input.kind} version`, code: 'INVALID' };
    }
  }
  const total = shares.reduce((a, b) => a + b, 0);
  const arms: Arm[] = [
    { name: CONTROL, versionId: control.id, share: input.controlShare / total, stoppedAt: null, stoppedReason: null },
    ...input.treatments.map((t, i) => ({
      name: input.treatments.length === 1 ? 'treatment' : `treatment-${i + 1}`,
      versionId: t.versionId,
      share: t.share / total,
      stoppedAt: null,
      stoppedReason: null,
    })),
  ];
  const row = await prisma.$transaction(async (tx) => {
    const created = await tx.experiment.create({
      data: {
        name: input.name.trim(),
        kind: input.kind,
        arms: arms as unknown as Prisma.InputJsonValue,
        audienceShare: input.audienceShare,
        minImpressionsPerArm: input.minImpressionsPerArm,
        createdById: actorId,
      },
    });
    await event(tx, created.id, 'CREATED', actorId, { arms, audienceShare: input.audienceShare });
    return created;
  });
  return { ok: parseExperiment(row) };
}

export async function startExperiment(prisma: PrismaClient, id: number, actorId: number): Promise<ExperimentResult<ExperimentRecord>> {
  return prisma.$transaction(async (tx): Promise<ExperimentResult<ExperimentRecord>> => {
    const row = await tx.experiment.findUnique({ where: { id } });
    if (!row) return { error: 'No such experiment', code: 'NOT_FOUND' };
    if (row.status !== 'DRAFT') return { error: `The experiment is ${row.status}, not DRAFT`, code: 'CONFLICT' };
    // Serialises concurrent starts of the same kind: the check below then sees the other one.
    await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(hashtext('experiment-start:' || $1))`, row.kind);
    const running = await tx.experiment.findFirst({ where: { kind: row.kind, status: 'RUNNING' }, select: { id: true } });
    if (running) return { error: `Experiment ${running.id} already runs for ${row.kind}`, code: 'CONFLICT' };
    const started = await tx.experiment.update({ where: { id }, data: { status: 'RUNNING', startedAt: new Date() } });
    await event(tx, id, 'STARTED', actorId, {});
    return { ok: parseExperiment(started) };
  });
}

export async function stopExperiment(
  prisma: Tx,
  id: number,
  actorId: number | null,
  detail: Record<string, unknown> = {},
): Promise<ExperimentResult<ExperimentRecord>> {
  const row = await prisma.experiment.findUnique({ where: { id } });
  if (!row) return { error: 'No such experiment', code: 'NOT_FOUND' };
  if (row.status === 'STOPPED') return { error: 'The experiment is already stopped', code: 'CONFLICT' };
  const stopped = await prisma.experiment.update({ where: { id }, data: { status: 'STOPPED', stoppedAt: new Date() } });
  await event(prisma, id, 'STOPPED', actorId, detail);
  return { ok: parseExperiment(stopped) };
}

/** Takes one treatment out of traffic (its users get the active version, unrecorded as an arm). */
export async function stopArm(prisma: PrismaClient, id: number, armName: string, reason: string, actorId: number | null): Promise<boolean> {
  return prisma.$transaction(async (tx) => {
    const row = await tx.experiment.findUnique({ where: { id } });
    if (!row || row.status !== 'RUNNING') return false;
    const arms = parseExperiment(row).arms;
    const arm = arms.find((a) => a.name === armName);
    if (!arm || arm.name === CONTROL || arm.stoppedAt) return false;
    arm.stoppedAt = new Date().toISOString();
    arm.stoppedReason = reason;
    await tx.experiment.update({ where: { id }, data: { arms: arms as unknown as Prisma.InputJsonValue } });
    await event(tx, id, 'ARM_STOPPED', actorId, { arm: armName, versionId: arm.versionId, reason });
    return true;
  });
}

/** Records the promotion; the caller has already activated the version through the registry. */
export async function recordPromotion(prisma: PrismaClient, id: number, versionId: number, actorId: number): Promise<ExperimentRecord> {
  return prisma.$transaction(async (tx) => {
    const row = await tx.experiment.findUniqueOrThrow({ where: { id } });
    if (row.status !== 'STOPPED') await stopExperiment(tx, id, actorId, { reason: 'promoted' });
    const updated = await tx.experiment.update({ where: { id }, data: { winnerVersionId: versionId } });
    await event(tx, id, 'PROMOTED', actorId, { versionId });
    return parseExperiment(updated);
  });
}

/**
 * Read by every process every few seconds, so through the driver rather than Prisma: it
 * stays out of Prisma's query log (which tests count per request). Times are read as UTC,
 * the way Prisma stores them.
 */
export async function runningExperiments(db: Database): Promise<ExperimentRecord[]> {
  const utc = (column: string) => `"${column}" AT TIME ZONE 'UTC' AS "${column}"`;
  const rows = await db.query<ExperimentRecord>(
    `SELECT id, name, kind, status, arms, "audienceShare", "minImpressionsPerArm", "createdById", "winnerVersionId",
            ${utc('createdAt')}, ${utc('startedAt')}, ${utc('stoppedAt')}
     FROM "Experiment" WHERE status = 'RUNNING' ORDER BY id`,
  );
  return rows.map((row) => ({
    ...row,
    id: Number(row.id),
    audienceShare: Number(row.audienceShare),
    minImpressionsPerArm: Number(row.minImpressionsPerArm),
    createdById: Number(row.createdById),
    winnerVersionId: row.winnerVersionId === null ? null : Number(row.winnerVersionId),
    arms: typeof row.arms === 'string' ? (JSON.parse(row.arms) as Arm[]) : row.arms,
  }));
}
