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
 * How much of an artifact one statement reads. A bytea arrives as hex text, so a slice costs
 * the wire message, the hex string and the bytes, garbage once copied: small slices keep that
 * garbage small between collections (Epinions' 75 MB artifact: peak RSS +170 MB in 256 KiB
 * slices, +280 MB in 8 MiB ones, more in one piece, where V8's 512 MB string cap also bites).
 */
const ARTIFACT_READ_CHUNK = 1 << 20;

/**
 * The artifact bytes, read slice by slice into one buffer of their final size. The buffer is
 * fresh (offset 0), so typed arrays can view it in place (artifact.ts). Artifacts are written
 * once, before a version can be read: a version deleted while it is read is an error, not a mix.
 */
export async function readArtifact(db: SqlSession, id: number, chunkBytes = ARTIFACT_READ_CHUNK): Promise<{ artifact: Uint8Array; checksum: string } | null> {
  const [row] = await db.query<{ size: number; checksum: string }>(
    `SELECT octet_length(artifact) AS size, checksum FROM "ModelVersion" WHERE id = $1`,
    [id],
  );
  if (!row) return null;
  const artifact = new Uint8Array(Number(row.size));
  for (let at = 0; at < artifact.length; at += chunkBytes) {
    const want = Math.min(chunkBytes, artifact.length - at);
    const [chunk] = await db.query<{ bytes: Uint8Array }>(
      `SELECT substring(artifact FROM $2 FOR $3) AS bytes FROM "ModelVersion" WHERE id = $1`,
      [id, at + 1, want],
    );
    if (!chunk || chunk.bytes.length !== want) throw new Error(`model version ${id} changed while its artifact was read`);
    artifact.set(chunk.bytes, at);
  }
  return { artifact, checksum: row.checksum };
}

/** A bytea parameter goes to Postgres as binary; Prisma's Bytes would pass through a base64 string (V8 caps strings at 512 MB). */
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
