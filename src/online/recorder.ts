/**
 * Impressions leave the request path through this buffer: `record` only appends to memory;
 * a timer (every `flushMs`) or a full batch (`batchRows`) writes them with one multi-row
 * INSERT per batch. The buffer is bounded: when it is full the oldest rows are dropped and
 * counted in `stats.dropped`. `stop` drains everything, so a graceful shutdown loses nothing;
 * a crash loses what was buffered, at most the last `flushMs` of impressions (or one batch
 * being written).
 *
 * Never throws to its callers: a failed write is logged and its rows counted as `failed`.
 */
import type { Database } from '../db/client';
import type { Logger } from '../logger';
import type { ModelKind } from '../recommender/artifact';

export interface ImpressionRow {
  recommendationId: string;
  viewerId: number;
  kind: ModelKind;
  surface: 'recommendedItems' | 'friendSuggestions' | 'similarItems';
  versionId: number | null;
  experimentId: number | null;
  arm: string | null;
  shownIds: number[];
  offset: number;
  createdAt: Date;
}

export interface RecorderOptions {
  flushMs: number;
  batchRows: number;
  maxBuffered: number;
}

export interface RecorderStats {
  buffered: number;
  written: number;
  batches: number;
  dropped: number;
  failed: number;
}

// One parameter per batch: the rows as JSON, expanded by Postgres. Arrays in the JSON become
// int[] through jsonb_to_recordset, so the statement text never changes with the batch size.
// Rows of a user erased while they sat in some process's buffer are not written (a scalar
// subquery rather than NOT EXISTS: an anti-join may reorder the rows, and ids keep their order).
const INSERT = `INSERT INTO "Impression"
  ("recommendationId", "viewerId", kind, surface, "versionId", "experimentId", arm, "shownIds", "offset", "createdAt")
  SELECT r."recommendationId", r."viewerId", r.kind::"ModelKind", r.surface, r."versionId", r."experimentId", r.arm,
         r."shownIds", r."offset", r."createdAt"
  FROM jsonb_to_recordset($1::jsonb) AS r("recommendationId" text, "viewerId" int, kind text, surface text,
       "versionId" int, "experimentId" int, arm text, "shownIds" int[], "offset" int, "createdAt" timestamptz)
  WHERE (SELECT u."erasedAt" FROM "User" u WHERE u.id = r."viewerId") IS NULL`;

/**
 * Advisory lock key: batches hold it shared, an erase (src/graphql/users/queries.ts)
 * exclusively. The erase waits for batches in flight, so its DELETE sees their rows; a batch
 * after it waits for its commit, so the check above sees `erasedAt`. Without it, a batch
 * checked before the erase committed could land after its DELETE and keep the rows.
 */
export const IMPRESSION_ERASE_LOCK = `hashtext('impressions-erase')`;

export class ImpressionRecorder {
  private rows: ImpressionRow[] = [];
  /** Index of the oldest row still buffered: dropping from the front is O(1). */
  private head = 0;
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private readonly counters = { written: 0, batches: 0, dropped: 0, failed: 0 };

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    private readonly options: RecorderOptions,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.options.flushMs);
    this.timer.unref();
  }

  record(row: ImpressionRow): void {
    if (this.rows.length - this.head >= this.options.maxBuffered) {
      this.head++;
      this.counters.dropped++;
    }
    this.rows.push(row);
    if (this.rows.length - this.head >= this.options.batchRows) void this.flush();
  }

  stats(): RecorderStats {
    return { buffered: this.rows.length - this.head, ...this.counters };
  }

  /** Writes everything buffered now; resolves when it (and any earlier write) is done. */
  flush(): Promise<void> {
    const taken = this.rows.slice(this.head);
    this.rows = [];
    this.head = 0;
    // Writes are chained so batches land in order and `stop` can wait for the last one.
    this.writing = this.writing.then(() => this.write(taken));
    return this.writing;
  }

  /** Stops the timer and drains the buffer: the graceful-shutdown path. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }

  private async insert(rows: string): Promise<void> {
    // PGlite is one connection: no erase can run between the check and the insert.
    if (this.db.kind !== 'postgres') return void (await this.db.query(INSERT, [rows]));
    await this.db.withSession(async (session) => {
      await session.exec('BEGIN');
      try {
        await session.query(`SELECT pg_advisory_xact_lock_shared(${IMPRESSION_ERASE_LOCK})`);
        await session.query(INSERT, [rows]);
        await session.exec('COMMIT');
      } catch (error) {
        await session.exec('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  private async write(rows: ImpressionRow[]): Promise<void> {
    for (let i = 0; i < rows.length; i += this.options.batchRows) {
      const batch = rows.slice(i, i + this.options.batchRows);
      try {
        await this.insert(JSON.stringify(batch));
        this.counters.written += batch.length;
        this.counters.batches++;
      } catch (error) {
        this.counters.failed += batch.length;
        this.logger.error({ err: error, rows: batch.length }, 'could not write impressions; they are lost');
      }
    }
  }
}
