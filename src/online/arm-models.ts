/**
 * Keeps loaded, in this process, every item-model version that a running experiment serves
 * besides the active one (ActiveModels keeps that one). Loading reuses the registry and
 * artifact decoders, so a version here is byte-for-byte what activation would serve.
 *
 * Memory: one decoded item model per extra version, about its `artifactBytes` (the
 * artifact is the model's typed arrays plus a small header), plus the decoded ranker weights.
 */
import type { Database } from '../db/client';
import type { Logger } from '../logger';
import { unpackArtifact } from '../recommender/artifact';
import { deserialize as deserializeItemModel, deserializeLists } from '../recommender/items/artifact';
import type { VersionSummary } from '../recommender/registry';
import { readArtifact } from '../recommender/registry';
import type { Serving } from '../recommender/serve/active-models';
import { LoadedItemModel } from '../recommender/serve/items';

export type ReadyItemModel = Extract<Serving<LoadedItemModel>, { phase: 'ready' }>;

export class ArmModels {
  private readonly loaded = new Map<number, ReadyItemModel>();
  /** Versions that failed to load, with why: not retried on every poll. */
  readonly failed = new Map<number, string>();

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
  ) {}

  get(versionId: number): ReadyItemModel | null {
    return this.loaded.get(versionId) ?? null;
  }

  /** Bytes of the artifacts held (the dominant part of what these models cost). */
  heldBytes(): number {
    let total = 0;
    for (const ready of this.loaded.values()) total += ready.version.artifactBytes;
    return total;
  }

  /** Loads what is wanted and not held; drops what is held and no longer wanted. Never throws. */
  async keep(versionIds: Set<number>): Promise<void> {
    for (const id of [...this.loaded.keys()]) if (!versionIds.has(id)) this.loaded.delete(id);
    for (const id of versionIds) {
      if (this.loaded.has(id) || this.failed.has(id)) continue;
      try {
        const version = (await this.db.prisma.modelVersion.findUnique({ where: { id }, omit: { artifact: true } })) as VersionSummary | null;
        const row = version && (await readArtifact(this.db, id));
        if (!version || !row) throw new Error('the version no longer exists');
        if (version.kind !== 'ITEMS') throw new Error('only item versions can be served as arms');
        const artifact = unpackArtifact(row.artifact, row.checksum);
        const model = new LoadedItemModel(deserializeItemModel(artifact.model), artifact.userIds, artifact.itemIds, deserializeLists(artifact.model));
        this.loaded.set(id, { phase: 'ready', version, model, since: new Date(), message: null });
        this.logger.info({ versionId: id, bytes: version.artifactBytes }, 'experiment arm version loaded');
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.failed.set(id, message);
        this.logger.error({ versionId: id, err: error }, 'experiment arm version could not be loaded; its users are served the active version');
      }
    }
  }
}
