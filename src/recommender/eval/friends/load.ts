/** Reads a dataset's friendship graph (and plays, if any) into dense indices for evaluation. */
import { openDataset } from '../../../datasets/open';
import type { DatasetName } from '../../../datasets/types';
import { InteractionCsr, buildInteractions } from '../../friends/data';

/** Undirected friendships listed once each (edgeA[e] < edgeB[e]), dense user indices. */
export interface FriendGraphInput {
  numUsers: number;
  userIds: string[];
  edgeA: Int32Array;
  edgeB: Int32Array;
  interactions?: InteractionCsr;
}

export const FRIEND_DATASETS: readonly DatasetName[] = ['lastfm', 'facebook-ego'];

export async function loadFriendGraph(name: DatasetName, dir?: string): Promise<FriendGraphInput> {
  if (!FRIEND_DATASETS.includes(name)) {
    throw new Error(
      `Dataset '${name}' has no undirected friendship graph; the friends task supports ${FRIEND_DATASETS.join(', ')}`,
    );
  }
  const reader = openDataset(name, dir);
  const index = new Map<string, number>();
  const userIds: string[] = [];
  const indexOf = (id: string) => {
    let i = index.get(id);
    if (i === undefined) {
      i = userIds.length;
      index.set(id, i);
      userIds.push(id);
    }
    return i;
  };
  for await (const user of reader.users()) indexOf(user.externalId);

  const pairs = new Set<number>();
  const a: number[] = [];
  const b: number[] = [];
  for await (const edge of reader.edges()) {
    const x = indexOf(edge.from);
    const y = indexOf(edge.to);
    if (x === y) continue;
    const lo = Math.min(x, y);
    const hi = Math.max(x, y);
    const key = lo * 1_000_000_007 + hi;
    if (pairs.has(key)) continue;
    pairs.add(key);
    a.push(lo);
    b.push(hi);
  }

  const items = new Map<string, number>();
  const iu: number[] = [];
  const ii: number[] = [];
  const iv: number[] = [];
  for await (const row of reader.interactions()) {
    let item = items.get(row.item);
    if (item === undefined) items.set(row.item, (item = items.size));
    iu.push(indexOf(row.user));
    ii.push(item);
    iv.push(row.value > 0 ? row.value : 1);
  }
  const numUsers = userIds.length;
  return {
    numUsers,
    userIds,
    edgeA: Int32Array.from(a),
    edgeB: Int32Array.from(b),
    interactions: iu.length > 0 ? buildInteractions(numUsers, items.size, iu, ii, iv) : undefined,
  };
}
