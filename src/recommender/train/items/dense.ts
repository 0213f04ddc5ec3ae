/**
 * Dense symmetric positive definite inversion in Float64Array, row-major, about m^3/2
 * multiply-adds. All three phases (Cholesky L, L^-1, L^-T L^-1) are written as dot products
 * of contiguous row segments, four rows against one at a time: each row loaded from memory
 * serves four accumulators, which keeps plain TypeScript near its compute limit instead of
 * waiting on memory once the matrix outgrows the cache.
 */

import type * as Tf from '@tensorflow/tfjs';

const acc = new Float64Array(4);

/** acc[r] = sum_{t<len} a[ra_r + t] * b[rb + t] for the four row offsets ra0..ra3. */
function dot4(a: Float64Array, ra0: number, ra1: number, ra2: number, ra3: number, b: Float64Array, rb: number, len: number): void {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let t = 0; t < len; t++) {
    const v = b[rb + t];
    s0 += a[ra0 + t] * v;
    s1 += a[ra1 + t] * v;
    s2 += a[ra2 + t] * v;
    s3 += a[ra3 + t] * v;
  }
  acc[0] = s0;
  acc[1] = s1;
  acc[2] = s2;
  acc[3] = s3;
}

const acc2 = new Float64Array(4);

/** dot4 against two rows at once: acc[r] with b at rb, acc2[r] with b at rb2. */
function dot4x2(
  a: Float64Array,
  ra0: number,
  ra1: number,
  ra2: number,
  ra3: number,
  b: Float64Array,
  rb: number,
  rb2: number,
  len: number,
): void {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let t0 = 0;
  let t1 = 0;
  let t2 = 0;
  let t3 = 0;
  for (let t = 0; t < len; t++) {
    const v = b[rb + t];
    const w = b[rb2 + t];
    const x0 = a[ra0 + t];
    const x1 = a[ra1 + t];
    const x2 = a[ra2 + t];
    const x3 = a[ra3 + t];
    s0 += x0 * v;
    s1 += x1 * v;
    s2 += x2 * v;
    s3 += x3 * v;
    t0 += x0 * w;
    t1 += x1 * w;
    t2 += x2 * w;
    t3 += x3 * w;
  }
  acc[0] = s0;
  acc[1] = s1;
  acc[2] = s2;
  acc[3] = s3;
  acc2[0] = t0;
  acc2[1] = t1;
  acc2[2] = t2;
  acc2[3] = t3;
}

function dot(a: Float64Array, ra: number, b: Float64Array, rb: number, len: number): number {
  let s0 = 0;
  let s1 = 0;
  let t = 0;
  for (; t + 1 < len; t += 2) {
    s0 += a[ra + t] * b[rb + t];
    s1 += a[ra + t + 1] * b[rb + t + 1];
  }
  if (t < len) s0 += a[ra + t] * b[rb + t];
  return s0 + s1;
}

/** In-place Cholesky A = L L^T reading the lower triangle; the strict upper part is left as is. */
export function choleskyInPlace(a: Float64Array, m: number): void {
  for (let i0 = 0; i0 < m; i0 += 4) {
    const rows = Math.min(4, m - i0);
    const r = [i0 * m, Math.min(i0 + 1, m - 1) * m, Math.min(i0 + 2, m - 1) * m, Math.min(i0 + 3, m - 1) * m];
    let j = 0;
    for (; j + 1 < i0; j += 2) {
      const rj = j * m;
      const rj1 = rj + m;
      dot4x2(a, r[0], r[1], r[2], r[3], a, rj, rj1, j);
      for (let q = 0; q < rows; q++) {
        const lij = (a[r[q] + j] - acc[q]) / a[rj + j];
        a[r[q] + j] = lij;
        a[r[q] + j + 1] = (a[r[q] + j + 1] - acc2[q] - lij * a[rj1 + j]) / a[rj1 + j + 1];
      }
    }
    for (; j < i0; j++) {
      dot4(a, r[0], r[1], r[2], r[3], a, j * m, j);
      const d = a[j * m + j];
      for (let q = 0; q < rows; q++) a[r[q] + j] = (a[r[q] + j] - acc[q]) / d;
    }
    for (let q = 0; q < rows; q++) {
      const i = i0 + q;
      const ri = i * m;
      for (let j = i0; j <= i; j++) {
        const s = a[ri + j] - dot(a, ri, a, j * m, j);
        if (j === i) {
          if (!(s > 0)) throw new Error(`matrix is not positive definite at row ${i}`);
          a[ri + i] = Math.sqrt(s);
        } else {
          a[ri + j] = s / a[j * m + j];
        }
      }
    }
  }
}

/**
 * Replaces SPD `a` (lower triangle read) by its full symmetric inverse, using one extra
 * m x m buffer that holds U = (L^-1)^T, so that both L^-1 and A^-1 = U U^T come from row dots.
 */
export function invertSpdInPlace(a: Float64Array, m: number): void {
  choleskyInPlace(a, m);
  const u = new Float64Array(m * m);
  // u[j*m + i] = (L^-1)[i][j] for i >= j, filled row block of L by row block.
  for (let i0 = 0; i0 < m; i0 += 4) {
    const rows = Math.min(4, m - i0);
    const r = [i0 * m, Math.min(i0 + 1, m - 1) * m, Math.min(i0 + 2, m - 1) * m, Math.min(i0 + 3, m - 1) * m];
    let j = 0;
    for (; j + 1 < i0; j += 2) {
      const rj = j * m;
      const rj1 = rj + m;
      const o = j + 1;
      dot4x2(a, r[0] + o, r[1] + o, r[2] + o, r[3] + o, u, rj + o, rj1 + o, i0 - o);
      for (let q = 0; q < rows; q++) {
        const i = i0 + q;
        let s = acc[q] + a[i * m + j] * u[rj + j];
        let s1 = acc2[q];
        for (let k = i0; k < i; k++) {
          s += a[i * m + k] * u[rj + k];
          s1 += a[i * m + k] * u[rj1 + k];
        }
        u[rj + i] = -s / a[i * m + i];
        u[rj1 + i] = -s1 / a[i * m + i];
      }
    }
    for (; j < i0; j++) {
      const rj = j * m;
      dot4(a, r[0] + j, r[1] + j, r[2] + j, r[3] + j, u, rj + j, i0 - j);
      for (let q = 0; q < rows; q++) {
        const i = i0 + q;
        let s = acc[q];
        for (let k = i0; k < i; k++) s += a[i * m + k] * u[rj + k];
        u[rj + i] = -s / a[i * m + i];
      }
    }
    for (let q = 0; q < rows; q++) {
      const j = i0 + q;
      const rj = j * m;
      u[rj + j] = 1 / a[rj + j];
      for (let i = j + 1; i < i0 + rows; i++) {
        let s = 0;
        for (let k = j; k < i; k++) s += a[i * m + k] * u[rj + k];
        u[rj + i] = -s / a[i * m + i];
      }
    }
  }
  // (A^-1)[i][j] = sum_{k >= max(i,j)} u[i][k] u[j][k]
  for (let i0 = 0; i0 < m; i0 += 4) {
    const rows = Math.min(4, m - i0);
    const end = i0 + rows;
    const r = [i0 * m, Math.min(i0 + 1, m - 1) * m, Math.min(i0 + 2, m - 1) * m, Math.min(i0 + 3, m - 1) * m];
    let j = 0;
    for (; j + 1 < i0; j += 2) {
      const rj = j * m;
      const rj1 = rj + m;
      dot4x2(u, r[0] + end, r[1] + end, r[2] + end, r[3] + end, u, rj + end, rj1 + end, m - end);
      for (let q = 0; q < rows; q++) {
        const i = i0 + q;
        let s = acc[q];
        let s1 = acc2[q];
        for (let k = i; k < end; k++) {
          s += u[i * m + k] * u[rj + k];
          s1 += u[i * m + k] * u[rj1 + k];
        }
        a[i * m + j] = s;
        a[i * m + j + 1] = s1;
      }
    }
    for (; j < i0; j++) {
      const rj = j * m;
      dot4(u, r[0] + end, r[1] + end, r[2] + end, r[3] + end, u, rj + end, m - end);
      for (let q = 0; q < rows; q++) {
        const i = i0 + q;
        let s = acc[q];
        for (let k = i; k < end; k++) s += u[i * m + k] * u[rj + k];
        a[i * m + j] = s;
      }
    }
    for (let q = 0; q < rows; q++) {
      const i = i0 + q;
      for (let j = i0; j <= i; j++) a[i * m + j] = dot(u, i * m + i, u, j * m + i, m - i);
    }
  }
  for (let i = 0; i < m; i++) for (let j = 0; j < i; j++) a[j * m + i] = a[i * m + j];
}

/** An in-place inverse of a symmetric positive definite row-major m x m matrix (both triangles filled). */
export type SpdInverse = (a: Float64Array, m: number) => void;

/** Blocks up to this size are inverted by invertSpdInPlace in float64: there matMul gains little. */
const BASE_BLOCK = 256;

/**
 * The same inverse with its O(m^3) work done by TensorFlow.js matMul (float32; the wasm
 * backend reaches ~30 GFLOP/s here, 15-20 times the float64 loops above), by recursive Schur
 * complements: for A = [A11 A12; A12^T A22], P11 = A11^-1, W = P11 A12, S = A22 - A12^T W,
 * A^-1 = [P11 + W S^-1 W^T, -W S^-1; -(W S^-1)^T, S^-1]. S of an SPD matrix is SPD and no
 * better conditioned than A, so no pivoting is needed; the diagonal blocks at the bottom of
 * the recursion are inverted in float64.
 */
export function matMulSpdInverse(tf: typeof Tf): SpdInverse {
  const invert = (a: Tf.Tensor2D): Tf.Tensor2D => {
    const m = a.shape[0];
    if (m <= BASE_BLOCK) {
      const block = Float64Array.from(a.dataSync());
      invertSpdInPlace(block, m);
      return tf.tensor2d(Float32Array.from(block), [m, m]);
    }
    // Tidy per level: only the result outlives it, so peak memory stays a few copies of A.
    // Products are all untransposed: wasm's matMul with a transposed operand is ~10x slower
    // than an explicit transpose (O(m^2)) and a plain product.
    return tf.tidy(() => {
      const h = Math.ceil(m / 2 / 64) * 64;
      const r = m - h;
      const a21 = a.slice([h, 0], [r, h]);
      const p11 = invert(a.slice([0, 0], [h, h]));
      const wt: Tf.Tensor2D = tf.matMul(a21, p11); // (P11 A12)^T, P11 being symmetric
      const sInv = invert(a.slice([h, h], [r, r]).sub(tf.matMul(wt, a21.transpose())));
      const vt: Tf.Tensor2D = tf.matMul(sInv, wt); // (W S^-1)^T
      const top: Tf.Tensor2D = p11.add(tf.matMul(wt.transpose(), vt));
      const lower = vt.neg();
      return tf.concat2d([tf.concat2d([top, lower.transpose<Tf.Tensor2D>()], 1), tf.concat2d([lower, sInv], 1)], 0);
    });
  };
  return (a, m) => {
    const out = tf.tidy(() => invert(tf.tensor2d(Float32Array.from(a), [m, m])));
    a.set(out.dataSync());
    out.dispose();
  };
}
