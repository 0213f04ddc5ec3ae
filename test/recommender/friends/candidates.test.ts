import { graphCsr } from '../../../src/recommender/sparse';
import { buildInteractions } from '../../../src/recommender/friends/data';
import { prepareGraph } from '../../../src/recommender/friends/graph';
import { CandidateFinder, DEFAULT_CANDIDATE_CONFIG, FEATURE_NAMES, NUM_FEATURES, type CandidateSet } from '../../../src/recommender/friends/candidates';

/**
 * Six users, directed follows. Mutual: 0-1, 0-2, 1-3, 2-3, 3-4; one way: 5 -> 0, 2 -> 5.
 * Neighbours of 0 are {1, 2, 5}; 3 is two hops away through 1 and 2, 5 through 2 (but 0
 * does not follow 5), 4 only through 3. Users 0 and 4 share the one item 0; 3 has item 1.
 */
const edges: [number, number][] = [
  [0, 1], [1, 0], [0, 2], [2, 0], [1, 3], [3, 1], [2, 3], [3, 2], [3, 4], [4, 3], [5, 0], [2, 5],
];
const graph = prepareGraph({
  numUsers: 6,
  follows: graphCsr(6, edges.map((e) => e[0]), edges.map((e) => e[1])),
  interactions: buildInteractions(6, 2, [0, 4, 3], [0, 0, 1], [1, 1, 1]),
});

const feature = (set: CandidateSet, candidate: number, name: (typeof FEATURE_NAMES)[number]) =>
  set.features[set.candidates.indexOf(candidate) * NUM_FEATURES + FEATURE_NAMES.indexOf(name)];

describe('CandidateFinder', () => {
  const finder = new CandidateFinder(graph, DEFAULT_CANDIDATE_CONFIG);

  it('pools 2-hop, follower and PPR users in signal order and leaves out self and followed users', () => {
    const set = finder.find(0);
    // Adamic-Adar's top list first (3, then 5), then PPR adds 4, reached only through 3.
    expect(Array.from(set.candidates)).toEqual([3, 5, 4]);
    expect(Array.from(set.common)).toEqual([2, 1, 0]);
    // 0 follows 1 and 2; both follow 3, only 2 follows 5.
    expect(Array.from(set.followedByFriends)).toEqual([2, 1, 0]);
    expect(Array.from(finder.find(0, (v) => v === 5).candidates)).toEqual([3, 4]);
  });

  it('computes the neighbourhood features from their definitions', () => {
    const set = finder.find(0);
    const aa3 = 1 / Math.log(2) + 1 / Math.log(3);
    expect(feature(set, 3, 'logCommon')).toBeCloseTo(Math.log1p(2), 6);
    expect(feature(set, 3, 'logAdamicAdar')).toBeCloseTo(Math.log1p(aa3), 6);
    expect(feature(set, 3, 'logResourceAllocation')).toBeCloseTo(Math.log1p(1 / 2 + 1 / 3), 6);
    // |{1, 2}| / |{1, 2, 4, 5}|
    expect(feature(set, 3, 'jaccard')).toBeCloseTo(0.5, 6);
    expect(feature(set, 3, 'adamicAdarOverMax')).toBe(1);
    expect(feature(set, 5, 'adamicAdarOverMax')).toBeCloseTo(1 / Math.log(3) / aa3, 6);
    expect(feature(set, 3, 'logRankAdamicAdar')).toBe(0);
    expect(feature(set, 5, 'logRankAdamicAdar')).toBeCloseTo(Math.log1p(1), 6);
    expect(feature(set, 4, 'logRankAdamicAdar')).toBeCloseTo(Math.log1p(DEFAULT_CANDIDATE_CONFIG.perSignal), 6);
    // One 3-path 0-5-2-3, weighted 1 / sqrt(deg 5 * deg 2).
    expect(feature(set, 3, 'logPaths3')).toBeCloseTo(Math.log1p(1), 6);
    expect(feature(set, 3, 'logL3')).toBeCloseTo(Math.log1p(1 / Math.sqrt(6)), 6);
    // 3's common neighbours with 0 are 1 (no friend of 0's among its own) and 2 (friend 5, degree 3).
    expect(feature(set, 3, 'logCircleCommon')).toBeCloseTo(Math.log1p(1), 6);
    expect(feature(set, 3, 'logCircleShare')).toBeCloseTo(Math.log1p(1 / 3), 6);
    expect(feature(set, 5, 'candidateFollowsUser')).toBe(1);
    expect(feature(set, 3, 'candidateFollowsUser')).toBe(0);
  });

  it('ranks interest-similar users by cosine and flags who has interests', () => {
    const set = finder.find(0);
    expect(set.interest[set.candidates.indexOf(4)]).toBeCloseTo(1, 6);
    expect(set.interest[set.candidates.indexOf(3)]).toBe(0);
    expect(feature(set, 4, 'logRankInterest')).toBe(0);
    expect(feature(set, 4, 'userHasInterests')).toBe(1);
    expect(Array.from(set.candidates, (v) => feature(set, v, 'candidateHasInterests'))).toEqual([1, 0, 1]);
  });

  it('resets its workspace: a repeated call gives the same bits after calls for other users', () => {
    const first = finder.find(0);
    for (let u = 0; u < graph.numUsers; u++) finder.find(u, (v) => v === 3);
    const again = finder.find(0);
    expect(Array.from(again.candidates)).toEqual(Array.from(first.candidates));
    expect(Buffer.from(again.features.buffer).equals(Buffer.from(first.features.buffer))).toBe(true);
    expect(Array.from(again.interest)).toEqual(Array.from(first.interest));
  });
});
