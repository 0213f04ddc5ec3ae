/**
 * "Users like you", computed at request time: the stored users whose positives overlap the
 * current history most (cosine on binary vectors), then their items weighted by similarity.
 * Cost is the size of the history items' user lists plus the neighbours' rows.
 */
import type { Csr } from '../sparse';
import { TopKSelector } from './neighbours';

export class UserKnnSignal {
  readonly score: Float32Array;
  readonly touched: number[] = [];
  /** The chosen neighbours, most similar first (explanations). */
  neighbours: Int32Array = new Int32Array(0);
  private readonly overlap: Float32Array;
  private readonly seenUsers: number[] = [];
  private readonly selector: TopKSelector;

  constructor(numUsers: number, numItems: number, neighbourCount: number) {
    this.score = new Float32Array(numItems);
    this.overlap = new Float32Array(numUsers);
    this.selector = new TopKSelector(neighbourCount);
  }

  /** `self` (the requesting user's stored row, if any) is never its own neighbour. */
  build(userItems: Csr, itemUsers: Csr, history: ArrayLike<number>, self: number): void {
    for (const i of this.touched) this.score[i] = 0;
    this.touched.length = 0;
    const numItems = itemUsers.indptr.length - 1;
    let size = 0;
    for (let h = 0; h < history.length; h++) {
      const i = history[h];
      if (i < 0 || i >= numItems) continue;
      size++;
      for (let p = itemUsers.indptr[i]; p < itemUsers.indptr[i + 1]; p++) {
        const v = itemUsers.indices[p];
        if (this.overlap[v] === 0) this.seenUsers.push(v);
        this.overlap[v]++;
      }
    }
    for (const v of this.seenUsers) {
      if (v !== self) {
        const degree = userItems.indptr[v + 1] - userItems.indptr[v];
        this.selector.push(v, this.overlap[v] / Math.sqrt(size * degree));
      }
      this.overlap[v] = 0;
    }
    this.seenUsers.length = 0;
    const { indices, values } = this.selector.drain();
    this.neighbours = indices;
    for (let t = 0; t < indices.length; t++) {
      const v = indices[t];
      for (let p = userItems.indptr[v]; p < userItems.indptr[v + 1]; p++) {
        const j = userItems.indices[p];
        if (this.score[j] === 0) this.touched.push(j);
        this.score[j] += values[t];
      }
    }
  }
}
