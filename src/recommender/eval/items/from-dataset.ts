/**
 * Reads a public dataset (through its DatasetReader) into dense indices for the item task:
 * deduplicated positive pairs, the follow graph and item features. Used by the offline
 * evaluation; production builds ItemTrainingData from Postgres instead.
 */
import type { DatasetReader } from '../../../datasets/types';
import type { PositivePairs } from '../split';
import { cooToCsr, type Csr } from '../../sparse';
import { type ItemFeatures } from '../../items/data';

export interface IndexedDataset {
  pairs: PositivePairs;
  follows: Csr;
  features: ItemFeatures;
  userIds: string[];
  itemIds: string[];
}

class Index {
  readonly ids: string[] = [];
  private readonly slots = new Map<string, number>();

  get(id: string): number {
    let slot = this.slots.get(id);
    if (slot === undefined) {
      slot = this.ids.length;
      this.slots.set(id, slot);
      this.ids.push(id);
    }
    return slot;
  }
}

/** Duplicate (user, item) pairs keep their first value and time (each pair is one positive). */
export async function loadIndexedDataset(reader: DatasetReader): Promise<IndexedDataset> {
  const users = new Index();
  const items = new Index();
  const categories = new Index();
  const tagNames = new Index();
  const itemCategory: number[] = [];
  const tagRows: number[] = [];
  const tagCols: number[] = [];
  for await (const item of reader.items()) {
    const i = items.get(item.externalId);
    itemCategory[i] = item.category === null ? -1 : categories.get(item.category);
    for (const tag of new Set(item.tags)) {
      tagRows.push(i);
      tagCols.push(tagNames.get(tag));
    }
  }
  const seen = new Map<number, number>();
  const pu: number[] = [];
  const pi: number[] = [];
  const pv: number[] = [];
  const pt: number[] = [];
  let anyTime = false;
  for await (const row of reader.interactions()) {
    const u = users.get(row.user);
    const i = items.get(row.item);
    const key = u * 4_194_304 + i;
    if (seen.has(key)) continue;
    seen.set(key, pu.length);
    pu.push(u);
    pi.push(i);
    pv.push(row.value);
    pt.push(row.time ? row.time.getTime() / 1000 : NaN);
    if (row.time) anyTime = true;
  }
  const followFrom: number[] = [];
  const followTo: number[] = [];
  for await (const edge of reader.edges()) {
    const a = users.get(edge.from);
    const b = users.get(edge.to);
    if (a === b) continue;
    followFrom.push(a);
    followTo.push(b);
    if (edge.mutual) {
      followFrom.push(b);
      followTo.push(a);
    }
  }
  const numUsers = users.ids.length;
  const numItems = items.ids.length;
  const follows = cooToCsr(numUsers, followFrom, followTo);
  follows.values.fill(1); // repeated links merge to one
  const category = new Int32Array(numItems).fill(-1);
  itemCategory.forEach((c, i) => (category[i] = c));
  return {
    pairs: {
      numUsers,
      numItems,
      users: Int32Array.from(pu),
      items: Int32Array.from(pi),
      values: Float32Array.from(pv),
      times: anyTime ? Float64Array.from(pt) : null,
    },
    follows: { indptr: follows.indptr, indices: follows.indices },
    features: {
      category,
      numCategories: categories.ids.length,
      tags: tagRows.length ? cooToCsr(numItems, tagRows, tagCols) : undefined,
      numTags: tagNames.ids.length,
    },
    userIds: users.ids,
    itemIds: items.ids,
  };
}
