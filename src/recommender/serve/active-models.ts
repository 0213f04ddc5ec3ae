/**
 * Which trained version of each kind this process serves. Every process polls the database
 * for the ACTIVE version and swaps a newly promoted one in whole: requests in flight keep the
 * instance they started with, later ones get the new one; the old one is garbage once
 * unreferenced. A version whose artifact fails to load is rejected and reported, and the
 * previous version (or the fallbacks) keeps serving.
 */
import type { Database } from '../../db/client';
import type { Logger } from '../../logger';
import { unpackArtifact, type Artifact, type ModelKind } from '../artifact';
import { deserializeFriendArtifact, type FriendArtifact } from '../friends/artifact';
import { deserialize as deserializeItemModel, deserializeLists } from '../items/artifact';
import { activeVersionSummary, readArtifact, type VersionSummary } from '../registry';
import { currentGraph } from './friend-graph';
import { LoadedFriendModel, StoredSuggestions } from './friends';
import { LoadedItemModel } from './items';

export type Serving<T> =
  | { phase: 'fallback'; message: string }
  | { phase: 'ready'; version: VersionSummary; model: T; since: Date; message: string | null };

/** How stale the friend graph may get while follows change. */
const GRAPH_REFRESH_MS = 30_000;

export class ActiveModels {
  items: Serving<LoadedItemModel> = { phase: 'fallback', message: 'No trained model yet: fallbacks serve' };
  friends: Serving<LoadedFriendModel> = { phase: 'fallback', message: 'No trained model yet: fallbacks serve' };
  /** Newest item id, refreshed with every sync: items above a model's range are woven in by content. */
  latestItemId = 0;
  /** Versions whose artifacts failed to load: not retried on every poll. */
  readonly rejected = new Map<number, string>();
  private poller: NodeJS.Timeout | null = null;
  private syncing: Promise<void> | null = null;
  /** A sync asked for while one was running: it runs after it (see sync()). */
  private queued: Promise<void> | null = null;
  private friendGraphBoundAt = 0;
  private friendGraphMark = '';
  /** Kinds whose last sync failed for a reason other than a corrupt artifact. */
  private readonly failedTransiently = new Set<ModelKind>();

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
  ) {}

  async start(pollMs: number): Promise<void> {
    await this.sync();
    // A poll finding a sync in flight has nothing to add to it.
    this.poller = setInterval(() => void (this.syncing ?? this.syncNow()), pollMs);
    this.poller.unref();
  }

  /** Stops polling and waits for a sync in flight, so nothing touches the database afterwards. */
  async stop(): Promise<void> {
    if (this.poller) clearInterval(this.poller);
    this.poller = null;
    await (this.queued ?? this.syncing);
  }

  serving(kind: ModelKind): Serving<LoadedItemModel> | Serving<LoadedFriendModel> {
    return kind === 'ITEMS' ? this.items : this.friends;
  }

  /**
   * Brings both kinds up to the ACTIVE version in the database. Never throws. A sync already
   * running may have read the database before the caller's change (a promotion), so the
   * caller waits for one that starts after it; callers arriving meanwhile share that one.
   */
  sync(): Promise<void> {
    if (!this.syncing) return this.syncNow();
    this.queued ??= this.syncing.then(() => {
      this.queued = null;
      return this.syncNow();
    });
    return this.queued;
  }

  private syncNow(): Promise<void> {
    this.syncing = Promise.all([this.syncKind('ITEMS'), this.syncKind('FRIENDS'), this.syncLatestItem()])
      .then(() => undefined)
      .finally(() => (this.syncing = null));
    return this.syncing;
  }

  private async syncLatestItem(): Promise<void> {
    try {
      const latest = await this.db.prisma.item.findFirst({ orderBy: { id: 'desc' }, select: { id: true } });
      this.latestItemId = latest?.id ?? 0;
    } catch (error) {
      this.logger.warn({ err: error }, 'could not read the newest item id');
    }
  }

  /**
   * Only a corrupt artifact rejects a version for the life of the process; a failure to reach
   * the database is transient: reported in the status message, retried at the next poll, and
   * the message clears once a sync succeeds.
   */
  private async syncKind(kind: ModelKind): Promise<void> {
    if (!(await this.syncOnce(kind))) {
      this.failedTransiently.add(kind);
      return;
    }
    if (!this.failedTransiently.delete(kind)) return;
    const serving = this.serving(kind);
    if (serving.phase === 'ready') serving.message = null;
    else serving.message = 'No active version: fallbacks serve';
  }

  /** False when it failed for a reason other than a corrupt artifact. */
  private async syncOnce(kind: ModelKind): Promise<boolean> {
    const prisma = this.db.prisma;
    const serving = this.serving(kind);
    let active: VersionSummary | null = null;
    try {
      active = await activeVersionSummary(prisma, kind);
      if (!active) {
        if (serving.phase === 'ready') this.swap(kind, { phase: 'fallback', message: 'No active version: fallbacks serve' });
        return true;
      }
      if (serving.phase === 'ready' && serving.version.id === active.id) {
        if (kind === 'FRIENDS') await this.rebindFriendGraph();
        this.serving(kind).message = null;
        return true;
      }
      if (this.rejected.has(active.id)) return true;
      const row = await readArtifact(this.db, active.id);
      if (!row) return true;
      let itemModel: LoadedItemModel | null = null;
      let friendModel: (FriendArtifact & { userIds: Int32Array }) | null = null;
      try {
        const artifact = unpackArtifact(row.artifact, row.checksum);
        if (kind === 'ITEMS') itemModel = this.loadItems(artifact);
        else friendModel = { ...deserializeFriendArtifact(artifact.model), userIds: artifact.userIds };
      } catch (error) {
        this.fail(kind, active.id, error, true);
        return true;
      }
      const model = itemModel ?? (await this.bindFriends(friendModel!));
      this.swap(kind, { phase: 'ready', version: active, model, since: new Date(), message: null } as Serving<never>);
      this.logger.info({ kind, versionId: active.id }, 'serving model version');
      return true;
    } catch (error) {
      this.fail(kind, active?.id ?? null, error, false);
      return false;
    }
  }

  private fail(kind: ModelKind, versionId: number | null, error: unknown, corrupt: boolean): void {
    const serving = this.serving(kind);
    const message = error instanceof Error ? error.message : String(error);
    if (corrupt && versionId !== null) this.rejected.set(versionId, message);
    this.failedTransiently.delete(kind);
    const keeps = serving.phase === 'ready' ? `version ${serving.version.id} keeps serving` : 'fallbacks serve';
    const note = corrupt
      ? `Version ${versionId} could not be loaded (${message}); ${keeps}`
      : `Model sync failed (${message}); retrying at the next poll; ${keeps}`;
    this.logger.error({ kind, err: error }, note);
    if (serving.phase === 'ready') serving.message = note;
    else this.swap(kind, { phase: 'fallback', message: note });
  }

  private loadItems(artifact: Artifact): LoadedItemModel {
    return new LoadedItemModel(deserializeItemModel(artifact.model), artifact.userIds, artifact.itemIds, deserializeLists(artifact.model));
  }

  /**
   * Follows made after the friend model was bound are not in its graph: rebind the same
   * ranker to the current graph when follows changed, at most every GRAPH_REFRESH_MS.
   */
  private async rebindFriendGraph(): Promise<void> {
    const serving = this.friends;
    if (serving.phase !== 'ready' || Date.now() - this.friendGraphBoundAt < GRAPH_REFRESH_MS) return;
    const mark = await this.followMark();
    if (mark === this.friendGraphMark) return;
    const { graph, userIds } = await currentGraph(this.db);
    const model = new LoadedFriendModel(serving.model.model, graph, userIds, serving.model.stored);
    if (this.friends === serving) this.friends = { ...serving, model };
    this.friendGraphMark = mark;
    this.friendGraphBoundAt = Date.now();
  }

  private async followMark(): Promise<string> {
    const [row] = await this.db.query<{ n: string; latest: Date | null }>(
      `SELECT count(*)::text AS n, max("createdAt") AS latest FROM "Follow"`,
    );
    return `${row.n}:${row.latest ? new Date(row.latest).toISOString() : ''}`;
  }

  /**
   * Friend features come from the graph, so the ranker is bound to the current graph, not the
   * trained one; the stored lists (indexed like the artifact's users) serve users whose follows
   * are unchanged since training.
   */
  private async bindFriends({ model, lists, userIds }: FriendArtifact & { userIds: Int32Array }): Promise<LoadedFriendModel> {
    this.friendGraphBoundAt = Date.now();
    this.friendGraphMark = await this.followMark();
    const current = await currentGraph(this.db);
    const stored = lists ? new StoredSuggestions(lists, userIds) : null;
    return new LoadedFriendModel(model, current.graph, current.userIds, stored);
  }

  /** Replaces what serves a kind; the old model is dropped whole (its arrays are garbage once unreferenced). */
  private swap(kind: ModelKind, next: Serving<LoadedItemModel> | Serving<LoadedFriendModel>): void {
    if (kind === 'ITEMS') this.items = next as Serving<LoadedItemModel>;
    else this.friends = next as Serving<LoadedFriendModel>;
  }
}
