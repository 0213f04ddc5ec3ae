/**
 * Ranking metrics of ../shared/EVALUATION.md: binary relevance, Recall@K divides by
 * min(K, held-out count), NDCG's ideal DCG uses min(K, held-out count) hits.
 */

export interface RankingMetrics {
  users: number;
  recall: Record<number, number>;
  ndcg: Record<number, number>;
  coverage: Record<number, number>;
}

/** Accumulates per-user rankings; `add` takes the top-max(K) list for one user. */
export class MetricsAccumulator {
  private readonly recallSum: number[];
  private readonly ndcgSum: number[];
  private readonly seen: Set<number>[];
  private users = 0;

  constructor(
    readonly ks: number[],
    private readonly catalogueSize: number,
  ) {
    this.recallSum = ks.map(() => 0);
    this.ndcgSum = ks.map(() => 0);
    this.seen = ks.map(() => new Set<number>());
  }

  add(ranked: ArrayLike<number>, heldOut: Set<number>): void {
    if (heldOut.size === 0) return;
    this.users++;
    this.ks.forEach((k, i) => {
      let hits = 0;
      let dcg = 0;
      const n = Math.min(k, ranked.length);
      for (let r = 0; r < n; r++) {
        this.seen[i].add(ranked[r]);
        if (heldOut.has(ranked[r])) {
          hits++;
          dcg += 1 / Math.log2(r + 2);
        }
      }
      const ideal = Math.min(k, heldOut.size);
      let idcg = 0;
      for (let r = 0; r < ideal; r++) idcg += 1 / Math.log2(r + 2);
      this.recallSum[i] += hits / ideal;
      this.ndcgSum[i] += dcg / idcg;
    });
  }

  result(): RankingMetrics {
    const recall: Record<number, number> = {};
    const ndcg: Record<number, number> = {};
    const coverage: Record<number, number> = {};
    this.ks.forEach((k, i) => {
      recall[k] = this.users ? this.recallSum[i] / this.users : 0;
      ndcg[k] = this.users ? this.ndcgSum[i] / this.users : 0;
      coverage[k] = this.catalogueSize ? this.seen[i].size / this.catalogueSize : 0;
    });
    return { users: this.users, recall, ndcg, coverage };
  }
}
