/**
 * Planted-structure data: users in communities that share tastes (and friendships), plus
 * a few globally popular items everybody may touch. A model that finds the communities
 * should beat popularity by a wide margin.
 */
import type { ItemTrainingData } from '../../../src/recommender/items/data';
import { seededRng } from '../../../src/recommender/eval/rng';
import type { PositivePairs } from '../../../src/recommender/eval/split';

export interface Planted {
  pairs: PositivePairs;
  follows: { indptr: Int32Array; indices: Int32Array };
  tags: { indptr: Int32Array; indices: Int32Array };
  numTags: number;
  communityOf: (user: number) => number;
}

export function plantedCommunities({
  communities = 4,
  usersPerCommunity = 40,
  itemsPerCommunity = 30,
  popularItems = 10,
  taste = 0.35,
  noise = 0.15,
  seed = 7,
} = {}): Planted {
  const rng = seededRng(seed);
  const numUsers = communities * usersPerCommunity;
  const numItems = communities * itemsPerCommunity + popularItems;
  const users: number[] = [];
  const items: number[] = [];
  const communityOf = (u: number) => Math.floor(u / usersPerCommunity);
  for (let u = 0; u < numUsers; u++) {
    const c = communityOf(u);
    for (let t = 0; t < itemsPerCommunity; t++) {
      if (rng() < taste) {
        users.push(u);
        items.push(c * itemsPerCommunity + t);
      }
    }
    for (let p = 0; p < popularItems; p++) {
      if (rng() < noise + 0.3 * (1 - p / popularItems)) {
        users.push(u);
        items.push(communities * itemsPerCommunity + p);
      }
    }
  }
  // friends: each user befriends 3 others in the same community (mutual)
  const edges = new Set<string>();
  for (let u = 0; u < numUsers; u++) {
    const c = communityOf(u);
    for (let t = 0; t < 3; t++) {
      const v = c * usersPerCommunity + Math.floor(rng() * usersPerCommunity);
      if (v !== u) edges.add(`${u},${v}`).add(`${v},${u}`);
    }
  }
  const follow = [...edges].map((e) => e.split(',').map(Number)).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const indptr = new Int32Array(numUsers + 1);
  for (const [a] of follow) indptr[a + 1]++;
  for (let u = 0; u < numUsers; u++) indptr[u + 1] += indptr[u];
  // one tag per community, items of a community carry it
  const tagPtr = new Int32Array(numItems + 1);
  const tagIdx: number[] = [];
  for (let i = 0; i < numItems; i++) {
    if (i < communities * itemsPerCommunity) tagIdx.push(Math.floor(i / itemsPerCommunity));
    tagPtr[i + 1] = tagIdx.length;
  }
  return {
    pairs: {
      numUsers,
      numItems,
      users: Int32Array.from(users),
      items: Int32Array.from(items),
      values: new Float32Array(users.length).fill(1),
      times: Float64Array.from(users, (_, e) => 1_600_000_000 + e * 60),
    },
    follows: { indptr, indices: Int32Array.from(follow.map(([, b]) => b)) },
    tags: { indptr: tagPtr, indices: Int32Array.from(tagIdx) },
    numTags: communities,
    communityOf,
  };
}

/** Training data from the chosen pair indices (binary weights). */
export function trainingData(planted: Planted, train: Int32Array, withSocial = true): ItemTrainingData {
  const { pairs } = planted;
  return {
    numUsers: pairs.numUsers,
    numItems: pairs.numItems,
    users: Int32Array.from(train, (e) => pairs.users[e]),
    items: Int32Array.from(train, (e) => pairs.items[e]),
    weights: new Float32Array(train.length).fill(1),
    times: Float64Array.from(train, (e) => pairs.times![e]),
    follows: withSocial ? planted.follows : undefined,
    itemFeatures: { tags: planted.tags, numTags: planted.numTags },
  };
}
