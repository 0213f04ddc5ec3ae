/**
 * Approximate personalized PageRank by forward push (Andersen, Chung and Lang 2006) on
 * the undirected neighbourhood graph. Work is bounded by about 1 / (alpha * epsilon)
 * edge visits whatever the graph size, which keeps it usable at request time.
 */
import type { Csr } from '../sparse';

/** Dense scratch vectors reused across sources; only touched entries are reset. */
export class PprWorkspace {
  readonly estimate: Float64Array;
  readonly residual: Float64Array;
  readonly touched: Int32Array;
  touchedCount = 0;
  private readonly queue: Int32Array;
  private readonly queued: Uint8Array;
  private readonly seen: Uint8Array;

  constructor(readonly size: number) {
    this.estimate = new Float64Array(size);
    this.residual = new Float64Array(size);
    this.touched = new Int32Array(size);
    this.queue = new Int32Array(size);
    this.queued = new Uint8Array(size);
    this.seen = new Uint8Array(size);
  }

  /** Runs push from `source`; afterwards estimate[v] for v in touched[0..touchedCount) holds the PPR mass. */
  run(graph: Csr, degree: Int32Array, source: number, alpha: number, epsilon: number): void {
    this.clear();
    // Locals rather than `this.` lookups: this loop runs once per user when lists are precomputed.
    const { estimate, residual, queue, queued, seen, touched } = this;
    const { indptr, indices } = graph;
    const n = this.size;
    let touchedCount = 0;
    seen[source] = 1;
    touched[touchedCount++] = source;
    residual[source] = 1;
    let head = 0;
    let length = 1;
    queue[0] = source;
    queued[source] = 1;
    while (length > 0) {
      const u = queue[head];
      head = head + 1 === n ? 0 : head + 1;
      length--;
      queued[u] = 0;
      const r = residual[u];
      const d = degree[u];
      residual[u] = 0;
      if (d === 0) {
        // A dead end keeps its whole mass: the walk can only restart from here.
        estimate[u] += r;
        continue;
      }
      estimate[u] += alpha * r;
      const share = ((1 - alpha) * r) / d;
      for (let i = indptr[u]; i < indptr[u + 1]; i++) {
        const v = indices[i];
        if (!seen[v]) {
          seen[v] = 1;
          touched[touchedCount++] = v;
        }
        residual[v] += share;
        if (!queued[v] && residual[v] > epsilon * Math.max(degree[v], 1)) {
          queued[v] = 1;
          let tail = head + length;
          if (tail >= n) tail -= n;
          queue[tail] = v;
          length++;
        }
      }
    }
    this.touchedCount = touchedCount;
  }

  clear(): void {
    for (let i = 0; i < this.touchedCount; i++) {
      const v = this.touched[i];
      this.estimate[v] = 0;
      this.residual[v] = 0;
      this.seen[v] = 0;
    }
    this.touchedCount = 0;
  }
}
