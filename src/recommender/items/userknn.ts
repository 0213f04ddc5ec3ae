/**
 * "Users like you", computed at request time: the stored users whose positives overlap the
 * current history most (cosine on binary vectors), then their items weighted by similarity.
 * Cost is the size of the history items' user lists plus the neighbours' rows.
 */
import type { Csr } from '../sparse';
import { TopK } from '../top-k';

export class UserKnnSignal {
  readonly score: Float32Array;
  /** The items with a score are touched[0 .. size). */
  readonly touched: Int32Array;
  size = 0;
  private readonly overlap: Float32Array;
  private readonly seenUsers: Int32Array;
  private readonly selector: TopK;

  constructor(numUsers: number, numItems: number, neighbourCount: number) {
    this.score = new Float32Array(numItems);
    this.touched = new Int32Array(numItems);
    this.overlap = new Float32Array(numUsers);
    this.seenUsers = new Int32Array(numUsers);
    this.selector = new TopK(neighbourCount);
  }

  /** The chosen neighbours, most similar first (valid until the next build). */
  get neighbours(): Int32Array {
    return this.selector.indices.subarray(0, this.selector.count);
  }

  /** `self` (the requesting user's stored row, if any) is never its own neighbour. */
  build(userItems: Csr, itemUsers: Csr, history: ArrayLike<number>, self: number): void {
    const { score, touched, overlap, seenUsers, selector } = this;
    for (let t = 0; t < this.size; t++) score[touched[t]] = 0;
    const numItems = itemUsers.indptr.length - 1;
    const { indptr: userPtr, indices: users } = itemUsers;
    let size = 0;
    let seen = 0;
    for (let h = 0; h < history.length; h++) {
      const i = history[h];
      if (i < 0 || i >= numItems) continue;
      size++;
      for (let p = userPtr[i]; p < userPtr[i + 1]; p++) {
        const v = users[p];
        if (overlap[v] === 0) seenUsers[seen++] = v;
        overlap[v]++;
      }
    }
    const { indptr: itemPtr, indices: items } = userItems;
    for (let t = 0; t < seen; t++) {
      const v = seenUsers[t];
      if (v !== self) selector.push(v, overlap[v] / Math.sqrt(size * (itemPtr[v + 1] - itemPtr[v])));
      overlap[v] = 0;
    }
    selector.drain();
    const { indices, values } = selector;
    let touchedSize = 0;
    for (let t = 0; t < selector.count; t++) {
      const v = indices[t];
      // Similarities were kept as float32 (TopKSelector's drain), and are summed as such.
      const similarity = Math.fround(values[t]);
      for (let p = itemPtr[v]; p < itemPtr[v + 1]; p++) {
        const j = items[p];
        if (score[j] === 0) touched[touchedSize++] = j;
        score[j] += similarity;
      }
    }
    this.size = touchedSize;
  }
}
