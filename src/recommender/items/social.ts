/**
 * Social evidence for a request: how many of the viewer's friends (mutual follows) and other
 * followees engaged with each item, from the positives stored with the model.
 */
import { type Csr, rowHas } from '../sparse';

/** Reusable per-request accumulator over items. */
export class SocialSignal {
  readonly friendCount: Float32Array;
  readonly followeeCount: Float32Array;
  /** The items with a count are touched[0 .. size). */
  readonly touched: Int32Array;
  size = 0;
  friends = 0;
  followees = 0;

  constructor(numItems: number) {
    this.friendCount = new Float32Array(numItems);
    this.followeeCount = new Float32Array(numItems);
    this.touched = new Int32Array(numItems);
  }

  /** `friends` must be a subset of `followees`; users outside the stored range are skipped. */
  build(userItems: Csr, followees: ArrayLike<number>, friends: ArrayLike<number>): void {
    const { friendCount, followeeCount, touched } = this;
    for (let t = 0; t < this.size; t++) {
      friendCount[touched[t]] = 0;
      followeeCount[touched[t]] = 0;
    }
    let size = 0;
    const numUsers = userItems.indptr.length - 1;
    const mutual = new Set<number>();
    for (let f = 0; f < friends.length; f++) mutual.add(friends[f]);
    this.friends = mutual.size;
    this.followees = 0;
    const { indptr, indices } = userItems;
    for (let f = 0; f < followees.length; f++) {
      const v = followees[f];
      if (v < 0 || v >= numUsers) continue;
      const isFriend = mutual.has(v);
      if (!isFriend) this.followees++;
      const target = isFriend ? friendCount : followeeCount;
      for (let p = indptr[v]; p < indptr[v + 1]; p++) {
        const i = indices[p];
        if (friendCount[i] === 0 && followeeCount[i] === 0) touched[size++] = i;
        target[i]++;
      }
    }
    this.size = size;
  }
}

/** Followees of `user` in a follow CSR, and the mutual ones (friends). */
export function socialCircle(follows: Csr | undefined, user: number): { followees: Int32Array; friends: Int32Array } {
  if (!follows || user < 0 || user + 1 >= follows.indptr.length) return { followees: new Int32Array(0), friends: new Int32Array(0) };
  const followees = follows.indices.subarray(follows.indptr[user], follows.indptr[user + 1]);
  const friends = followees.filter((v) => rowHas(follows, v, user));
  return { followees, friends };
}

/** Which of the given users engaged with `item` (explanations). */
export function usersWithItem(userItems: Csr, users: ArrayLike<number>, item: number, count: number): number[] {
  const out: number[] = [];
  const numUsers = userItems.indptr.length - 1;
  for (let f = 0; f < users.length && out.length < count; f++) {
    const v = users[f];
    if (v >= 0 && v < numUsers && rowHas(userItems, v, item)) out.push(v);
  }
  return out;
}
