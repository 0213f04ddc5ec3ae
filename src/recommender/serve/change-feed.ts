/**
 * Notes of committed writes that serving caches must honour. Postgres sends one on the
 * `serving_changes` channel for every statement that writes users, items, follows, blocks or
 * interactions (triggers of migration 20261201100000), from whichever process made it; this
 * process's resolvers also publish their own writes here at once, before the round trip.
 *
 * While the listening connection is down no note can be trusted to arrive, so `live` turns
 * false and caches must not serve; on every (re)connect they start empty, since notes sent
 * while down are lost. Reconnects back off from 250 ms to 5 s and never stop until `stop()`.
 */
import pg from 'pg';
import type { Logger } from '../../logger';

export type ChangeKind = 'interactions' | 'follows' | 'blocks' | 'users' | 'items';

/** Ids are user ids, or item ids for `items`; 'all' when one statement touched many. */
export interface ChangeNote {
  kind: ChangeKind;
  ids: number[] | 'all';
}

export const CHANGE_CHANNEL = 'serving_changes';

const KINDS: Record<string, ChangeKind> = { i: 'interactions', f: 'follows', b: 'blocks', u: 'users', t: 'items' };
const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5000;

export function parseNote(payload: string): ChangeNote | null {
  const [letter, list] = payload.split(':', 2);
  const kind = KINDS[letter];
  if (!kind || list === undefined) return null;
  if (list === '*') return { kind, ids: 'all' };
  const ids = list.split(',').map(Number).filter(Number.isSafeInteger);
  return { kind, ids };
}

export interface ChangeSubscriber {
  note(note: ChangeNote): void;
  /** Called with false when notes may have been missed, with true once they flow again. */
  liveChanged(live: boolean): void;
}

export class ChangeFeed {
  private client: pg.Client | null = null;
  private retryMs = RETRY_MIN_MS;
  private retryTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly subscribers: ChangeSubscriber[] = [];
  live = false;

  /**
   * `url` null (embedded PGlite): never live. Its one process could rely on local notes, but
   * tests and scripts write through the same database handle without them.
   */
  constructor(
    private readonly url: string | null,
    private readonly logger: Logger,
  ) {}

  subscribe(subscriber: ChangeSubscriber): void {
    this.subscribers.push(subscriber);
  }

  /** Resolves after the first connection attempt; never throws (it keeps retrying). */
  async start(): Promise<void> {
    if (!this.url) return;
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = null;
    this.setLive(false);
    await client?.end().catch(() => undefined);
  }

  /** A write made by this process: applied at once, without waiting for Postgres's note. */
  publish(note: ChangeNote): void {
    for (const subscriber of this.subscribers) subscriber.note(note);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url!, application_name: 'serving-change-feed' });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, null));
    client.on('notification', (message) => {
      const note = message.payload ? parseNote(message.payload) : null;
      if (note) this.publish(note);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGE_CHANNEL}`);
    } catch (error) {
      this.lost(client, error);
      return;
    }
    if (this.stopped) return void client.end().catch(() => undefined);
    this.client = client;
    this.retryMs = RETRY_MIN_MS;
    this.setLive(true);
  }

  private lost(client: pg.Client, error: unknown): void {
    if (this.client === client) this.client = null;
    client.removeAllListeners('notification');
    client.end().catch(() => undefined);
    this.setLive(false);
    if (this.stopped || this.retryTimer) return;
    this.logger.warn({ err: error, retryMs: this.retryMs }, 'change feed lost; serving caches off until it reconnects');
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2);
  }

  private setLive(live: boolean): void {
    if (this.live === live) return;
    this.live = live;
    for (const subscriber of this.subscribers) subscriber.liveChanged(live);
  }
}
