/**
 * Synthetic friendship graphs with planted structure: communities whose members sit on a
 * ring, befriending ring neighbours (within `reach` places) far more often than the rest,
 * and listening mostly to the items at their own place on the community's item ring.
 * A few hubs befriend anybody, which makes raw popularity and common-neighbour counts
 * misleading.
 */
import { buildInteractions } from '../../../src/recommender/friends/data';
import type { FriendGraphInput } from '../../../src/recommender/eval/friends/load';
import { seededRng } from '../../../src/recommender/eval/rng';

export interface PlantedOptions {
  communities: number;
  size: number;
  /** Friendship probability between ring neighbours, other community members, others. */
  pNear: number;
  reach: number;
  pIn: number;
  pOut: number;
  /** Users who befriend anyone with probability pHub: popular but uninformative. */
  hubs: number;
  pHub: number;
  itemsPerCommunity: number;
  itemsPerUser: number;
  seed: number;
}

export const PLANTED: PlantedOptions = {
  communities: 6,
  size: 50,
  pNear: 0.5,
  reach: 4,
  pIn: 0.01,
  pOut: 0.002,
  hubs: 6,
  pHub: 0.15,
  itemsPerCommunity: 40,
  itemsPerUser: 12,
  seed: 11,
};

export function plantedGraph(options: Partial<PlantedOptions> = {}): FriendGraphInput & { community: Int32Array } {
  const o = { ...PLANTED, ...options };
  const rng = seededRng(o.seed);
  const numUsers = o.communities * o.size;
  const community = Int32Array.from({ length: numUsers }, (_, u) => Math.floor(u / o.size));
  const isHub = (u: number) => u % o.size < o.hubs / o.communities;
  const a: number[] = [];
  const b: number[] = [];
  for (let u = 0; u < numUsers; u++) {
    for (let v = u + 1; v < numUsers; v++) {
      const ring = Math.min(Math.abs(u - v), o.size - Math.abs(u - v));
      const p =
        isHub(u) || isHub(v)
          ? o.pHub
          : community[u] !== community[v]
            ? o.pOut
            : ring <= o.reach
              ? o.pNear
              : o.pIn;
      if (rng() < p) {
        a.push(u);
        b.push(v);
      }
    }
  }
  const numItems = o.communities * o.itemsPerCommunity;
  const iu: number[] = [];
  const ii: number[] = [];
  const iv: number[] = [];
  for (let u = 0; u < numUsers; u++) {
    for (let j = 0; j < o.itemsPerUser; j++) {
      // Mostly items near the user's place on the community's item ring, some at random.
      const place = Math.floor(((u % o.size) / o.size) * o.itemsPerCommunity);
      const offset = Math.floor(rng() * 7) - 3;
      const item =
        rng() < 0.7
          ? community[u] * o.itemsPerCommunity + ((place + offset + o.itemsPerCommunity) % o.itemsPerCommunity)
          : Math.floor(rng() * numItems);
      iu.push(u);
      ii.push(item);
      iv.push(1 + Math.floor(rng() * 100));
    }
  }
  return {
    numUsers,
    userIds: Array.from({ length: numUsers }, (_, u) => `u${u}`),
    edgeA: Int32Array.from(a),
    edgeB: Int32Array.from(b),
    interactions: buildInteractions(numUsers, numItems, iu, ii, iv),
    community,
  };
}

/** Small, quick ranker settings for tests: a few seconds on the planted graphs. */
export const FAST_TRAINING = {
  ranker: { hidden: [16], loss: 'listwise' as const, epochs: 10, maxSteps: 1000, learningRate: 0.01, batchGroups: 16, l2: 1e-5 },
};
