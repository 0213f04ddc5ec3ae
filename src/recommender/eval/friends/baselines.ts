/**
 * Reference rankers of the friends protocol: each fills a dense score per user for one
 * source user; the evaluation ranks them all (ties by lower index) minus existing friends.
 */
import { SocialGraph } from '../../friends/graph';
import { PprWorkspace } from '../../friends/ppr';

export interface BaselineScorer {
  name: string;
  /** Overwrites `scores` (length numUsers) for `user`. */
  score(user: number, scores: Float64Array): void;
}

export function degreePopularity(graph: SocialGraph): BaselineScorer {
  return {
    name: 'Degree popularity',
    score: (_user, scores) => {
      for (let v = 0; v < graph.numUsers; v++) scores[v] = graph.degree[v];
    },
  };
}

/** Common neighbours when `weighted` is false, Adamic-Adar (1 / ln degree) when true. */
export function neighbourhoodOverlap(graph: SocialGraph, weighted: boolean): BaselineScorer {
  const nb = graph.neighbours;
  return {
    name: weighted ? 'Adamic-Adar' : 'Common neighbours',
    score: (user, scores) => {
      scores.fill(0);
      for (let i = nb.indptr[user]; i < nb.indptr[user + 1]; i++) {
        const w = nb.indices[i];
        const add = weighted ? graph.aaWeight[w] : 1;
        for (let j = nb.indptr[w]; j < nb.indptr[w + 1]; j++) scores[nb.indices[j]] += add;
      }
    },
  };
}

export function personalizedPageRank(graph: SocialGraph, alpha: number, epsilon: number): BaselineScorer {
  const workspace = new PprWorkspace(graph.numUsers);
  return {
    name: `Personalized PageRank (restart ${alpha})`,
    score: (user, scores) => {
      scores.fill(0);
      workspace.run(graph.neighbours, graph.degree, user, alpha, epsilon);
      for (let i = 0; i < workspace.touchedCount; i++) {
        const v = workspace.touched[i];
        scores[v] = workspace.estimate[v];
      }
    },
  };
}
