/**
 * Keeps loaded, in this process, every model version that a running experiment serves
 * besides the active one (ActiveModels keeps that one). Loading reuses the registry and
 * artifact decoders, and friend versions are bound to the graph the way the active one is,
 * so a version here is what activation would serve.
 *
 * Memory: one decoded item model per extra item version, about its `artifactBytes` (the
 * artifact is the model's typed arrays plus a small header), plus the decoded ranker
 * weights. An extra friend version holds its ranker weights (small), its stored suggestion
 * lists if it has them, and its own binding to the follow graph, about what the active friend
 * model holds for the graph.
 */
import type { Database } from '../db/client';
import type { Logger } from '../logger';
import { unpackArtifact } from '../recommender/artifact';
import { deserializeFriendArtifact } from '../recommender/friends/artifact';
import type { FriendModel } from '../recommender/friends/model';
import { deserialize as deserializeItemModel, deserializeLists } from '../recommender/items/artifact';
import type { VersionSummary } from '../recommender/registry';
import { readArtifact } from '../recommender/registry';
import type { Serving } from '../recommender/serve/active-models';
import { currentGraph } from '../recommender/serve/friend-graph';
import { LoadedFriendModel, StoredSuggestions } from '../recommender/serve/friends';
import { LoadedItemModel } from '../recommender/serve/items';

export type ReadyItemModel = Extract<Serving<LoadedItemModel>, { phase: 'ready' }>;
export type ReadyFriendModel = Extract<Serving<LoadedFriendModel>, { phase: 'ready' }>;
export type ReadyModel = ReadyItemModel | ReadyFriendModel;

/** Like the active friend model, an arm's is rebound to the current graph when follows changed, at most this often. */
const FRIEND_REBIND_MS = 30_000;

/** Binds a friend version to the follow graph as it is now, the way ActiveModels binds the active one. */
async function bindToCurrentGraph(db: Database, model: FriendModel, stored: StoredSuggestions | null): Promise<LoadedFriendModel> {
  const { graph, userIds } = await currentGraph(db);
  return new LoadedFriendModel(model, graph, userIds, stored);
}

export class ArmModels {
  private readonly loaded = new Map<number, ReadyModel>();
  /** Versions that failed to load, with why: not retried on every poll. */
  readonly failed = new Map<number, string>();
  private followMark = '';

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
  ) {}

  get(versionId: number): ReadyModel | null {
    return this.loaded.get(versionId) ?? null;
  }

  /** Bytes of the artifacts held (the dominant part of what item models cost; friend versions add their graph copy). */
  heldBytes(): number {
    let total = 0;
    for (const ready of this.loaded.values()) total += ready.version.artifactBytes;
    return total;
  }

  /** Loads what is wanted and not held; drops what is held and no longer wanted; rebinds friend arms to new follows. Never throws. */
  async keep(versionIds: Set<number>): Promise<void> {
    for (const id of [...this.loaded.keys()]) if (!versionIds.has(id)) this.loaded.delete(id);
    for (const id of versionIds) {
      if (this.loaded.has(id) || this.failed.has(id)) continue;
      try {
        const version = (await this.db.prisma.modelVersion.findUnique({ where: { id }, omit: { artifact: true } })) as VersionSummary | null;
        const row = version && (await readArtifact(this.db, id));
        if (!version || !row) throw new Error('the version no longer exists');
        const artifact = unpackArtifact(row.artifact, row.checksum);
        let model: LoadedItemModel | LoadedFriendModel;
        if (version.kind === 'ITEMS') model = new LoadedItemModel(deserializeItemModel(artifact.model), artifact.userIds, artifact.itemIds, deserializeLists(artifact.model));
        else {
          const friends = deserializeFriendArtifact(artifact.model);
          model = await bindToCurrentGraph(this.db, friends.model, friends.lists ? new StoredSuggestions(friends.lists, artifact.userIds) : null);
        }
        this.loaded.set(id, { phase: 'ready', version, model, since: new Date(), message: null } as ReadyModel);
        this.logger.info({ versionId: id, kind: version.kind, bytes: version.artifactBytes }, 'experiment arm version loaded');
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.failed.set(id, message);
        this.logger.error({ versionId: id, err: error }, 'experiment arm version could not be loaded; its users are served the active version');
      }
    }
    await this.rebindFriends();
  }

  private async rebindFriends(): Promise<void> {
    const stale = [...this.loaded.values()].filter(
      (ready): ready is ReadyFriendModel => ready.version.kind === 'FRIENDS' && Date.now() - ready.since.getTime() >= FRIEND_REBIND_MS,
    );
    if (stale.length === 0) return;
    try {
      const [row] = await this.db.query<{ mark: string }>(`SELECT count(*)::text || ':' || coalesce(max("createdAt")::text, '') AS mark FROM "Follow"`);
      const changed = row.mark !== this.followMark;
      this.followMark = row.mark;
      for (const ready of stale) {
        const model = changed ? await bindToCurrentGraph(this.db, ready.model.model, ready.model.stored) : ready.model;
        this.loaded.set(ready.version.id, { ...ready, model, since: new Date() });
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'could not rebind experiment friend versions; they keep their graph');
    }
  }
}
