/**
 * User and item rows shared by every request, so rendering a warm recommendation page reads
 * nothing from the database. Bounded (least recently used out first); a change note drops
 * the rows it names. While the change feed is down nothing is cached or served from here.
 *
 * A load that started before a note may finish after it with the old row: each note bumps
 * an epoch, and a load's rows are kept only if no note arrived while it ran.
 */
import { LRUCache } from 'lru-cache';
import type { ChangeKind, ChangeNote, ChangeSubscriber } from './change-feed';

export class RowCache<T extends { id: number }> implements ChangeSubscriber {
  private readonly cache: LRUCache<number, T>;
  private epoch = 0;
  private live = false;

  constructor(
    readonly max: number,
    private readonly kind: ChangeKind,
    private readonly loadRows: (ids: number[]) => Promise<T[]>,
  ) {
    this.cache = new LRUCache({ max });
  }

  get size(): number {
    return this.cache.size;
  }

  /** Values align with ids by index; undefined for ids with no row. One load for all misses. */
  async getMany(ids: readonly number[]): Promise<(T | undefined)[]> {
    const found = ids.map((id) => (this.live ? this.cache.get(id) : undefined));
    const missing = [...new Set(ids.filter((_, i) => found[i] === undefined))];
    if (missing.length === 0) return found;
    const epoch = this.epoch;
    const rows = await this.loadRows(missing);
    const byId = new Map(rows.map((row) => [row.id, row]));
    if (this.live && epoch === this.epoch) for (const row of rows) this.cache.set(row.id, row);
    return ids.map((id, i) => found[i] ?? byId.get(id));
  }

  note(note: ChangeNote): void {
    if (note.kind !== this.kind) return;
    this.epoch++;
    if (note.ids === 'all') this.cache.clear();
    else for (const id of note.ids) this.cache.delete(id);
  }

  liveChanged(live: boolean): void {
    this.live = live;
    this.epoch++;
    this.cache.clear();
  }
}
