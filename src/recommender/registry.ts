/**
 * Model versions and training runs as rows. Promotion, rollback and pruning are written
 * here once; exactly one version per kind is ACTIVE.
 */
import type { Database, SqlSession } from '../db/client';
import type { PrismaClient, ModelVersion, TrainingRun } from '../generated/prisma/client';
import type { ModelKind } from './artifact';

export type VersionSummary = Omit<ModelVersion, 'artifact'>;

export function activeVersionSummary(prisma: PrismaClient, kind: ModelKind): Promise<VersionSummary | null> {
  return prisma.modelVersion.findFirst({ where: { kind, status: 'ACTIVE' }, omit: { artifact: true } });
}

/**
 * Artifact bytes go through the driver as a bytea parameter or column. Prisma's Bytes would
 * pass through a base64 string, which V8 caps at 512 MB and which doubles the memory.
 */
export async function readArtifact(db: SqlSession, id: number): Promise<{ artifact: Uint8Array; checksum: string } | null> {
  const [row] = await db.query<{ artifact: Uint8Array; checksum: string }>(
    `SELECT artifact, checksum FROM "ModelVersion" WHERE id = $1`,
    [id],
  );
  return row ? { artifact: new Uint8Array(row.artifact.buffer, row.artifact.byteOffset, row.artifact.byteLength), checksum: row.checksum } : null;
}

export async function writeArtifact(db: Database, id: number, artifact: Uint8Array): Promise<void> {
  await db.query(`UPDATE "ModelVersion" SET artifact = $2 WHERE id = $1`, [id, Buffer.from(artifact.buffer, artifact.byteOffset, artifact.byteLength)]);
}

/** Makes `id` the only ACTIVE version of its kind; the previous one becomes RETIRED. */
export async function activateVersion(prisma: PrismaClient, id: number): Promise<VersionSummary> {
  return prisma.$transaction(async (tx) => {
    const version = await tx.modelVersion.findUniqueOrThrow({ where: { id }, omit: { artifact: true } });
    await tx.modelVersion.updateMany({ where: { kind: version.kind, status: 'ACTIVE', id: { not: id } }, data: { status: 'RETIRED' } });
    return tx.modelVersion.update({ where: { id }, data: { status: 'ACTIVE', activatedAt: new Date() }, omit: { artifact: true } });
  });
}

/**
 * Keeps the newest `keep` versions of a kind, always the active one and every version an
 * unfinished (draft or running) experiment names as an arm; deletes the rest.
 */
export async function pruneVersions(prisma: PrismaClient, kind: ModelKind, keep: number): Promise<number> {
  const experiments = await prisma.experiment.findMany({ where: { kind, status: { not: 'STOPPED' } }, select: { arms: true } });
  const inExperiments = experiments.flatMap((e) => (e.arms as { versionId: number }[]).map((arm) => arm.versionId));
  const stale = await prisma.modelVersion.findMany({
    where: { kind, status: { not: 'ACTIVE' }, id: { notIn: inExperiments } },
    orderBy: { id: 'desc' },
    skip: Math.max(0, keep - 1),
    select: { id: true },
  });
  if (stale.length === 0) return 0;
  const { count } = await prisma.modelVersion.deleteMany({ where: { id: { in: stale.map((v) => v.id) } } });
  return count;
}

export function lastRun(prisma: PrismaClient, kind: ModelKind): Promise<TrainingRun | null> {
  return prisma.trainingRun.findFirst({ where: { kind }, orderBy: { id: 'desc' } });
}
