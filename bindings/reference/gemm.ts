/**
 * Single-precision GEMM on Float32Arrays, the workhorse of the reference conv2d and linear:
 *   C (+)= op(A)·op(B), row-major, op(A) is M×K, op(B) is K×N, each operand at an element offset.
 * It mirrors the wasm `sgemm` export, so both backends are structured alike.
 *
 * Why it is shaped like this: operands are packed into contiguous panels (4 rows of op(A), 4 columns
 * of op(B), k-major) so the 4×4 register-blocked micro-kernel streams both with unit stride whatever
 * the transposes, and the K×N block is sized to stay in cache while every A panel sweeps over it.
 */
import { scratch } from './scratch';

const MR = 4; // rows of C per micro-tile
const NR = 4; // columns of C per micro-tile
const KC = 256; // depth of one packed block
const NC = 512; // columns of one packed B block (KC·NC floats = 512 KiB)

export interface Matrix {
  data: Float32Array;
  offset: number;
  /** Row stride of the matrix as stored (before any transpose). */
  ld: number;
  /** Stored transposed: op(M) = Mᵀ. */
  trans: boolean;
}

/** A matrix operand description; `trans` means the stored matrix is the transpose of the operand. */
export function mat(data: Float32Array, offset: number, ld: number, trans = false): Matrix {
  return { data, offset, ld, trans };
}

/** op(A) rows [i0, i0+mc) × depth [p0, p0+kc) → panels of MR rows, k-major, zero-padded. */
function packA(a: Matrix, i0: number, mc: number, p0: number, kc: number, out: Float32Array): void {
  const { data, offset, ld, trans } = a;
  // Element (i, p) of op(A) sits at rowStep·i + colStep·p.
  const rowStep = trans ? 1 : ld;
  const colStep = trans ? ld : 1;
  let o = 0;
  for (let i = 0; i < mc; i += MR) {
    const rows = Math.min(MR, mc - i);
    for (let p = 0; p < kc; p++) {
      const base = offset + (i0 + i) * rowStep + (p0 + p) * colStep;
      for (let r = 0; r < MR; r++) out[o++] = r < rows ? data[base + r * rowStep] : 0;
    }
  }
}

/** op(B) depth [p0, p0+kc) × columns [j0, j0+nc) → panels of NR columns, k-major, zero-padded. */
function packB(b: Matrix, p0: number, kc: number, j0: number, nc: number, out: Float32Array): void {
  const { data, offset, ld, trans } = b;
  const rowStep = trans ? 1 : ld; // element (p, j) of op(B) at rowStep·p + colStep·j
  const colStep = trans ? ld : 1;
  let o = 0;
  for (let j = 0; j < nc; j += NR) {
    const cols = Math.min(NR, nc - j);
    for (let p = 0; p < kc; p++) {
      const base = offset + (p0 + p) * rowStep + (j0 + j) * colStep;
      if (cols === NR && colStep === 1) {
        out[o] = data[base]; out[o + 1] = data[base + 1]; out[o + 2] = data[base + 2]; out[o + 3] = data[base + 3];
        o += NR;
      } else {
        for (let c = 0; c < NR; c++) out[o++] = c < cols ? data[base + c * colStep] : 0;
      }
    }
  }
}

/**
 * One MR×NR tile: C[ci.., cj..] (+)= Apanel·Bpanel over kc. `rows`/`cols` < 4 only at the edges.
 * The 16 accumulators are locals so V8 keeps them in registers (or close to it).
 */
function microKernel(
  kc: number, ap: Float32Array, ia: number, bp: Float32Array, ib: number,
  c: Float32Array, ci: number, ldc: number, rows: number, cols: number, add: boolean,
): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let p = 0; p < kc; p++) {
    const b0 = bp[ib], b1 = bp[ib + 1], b2 = bp[ib + 2], b3 = bp[ib + 3];
    const a0 = ap[ia], a1 = ap[ia + 1], a2 = ap[ia + 2], a3 = ap[ia + 3];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
    ia += MR; ib += NR;
  }
  if (rows === MR && cols === NR) {
    let o = ci;
    if (add) {
      c[o] += c00; c[o + 1] += c01; c[o + 2] += c02; c[o + 3] += c03; o += ldc;
      c[o] += c10; c[o + 1] += c11; c[o + 2] += c12; c[o + 3] += c13; o += ldc;
      c[o] += c20; c[o + 1] += c21; c[o + 2] += c22; c[o + 3] += c23; o += ldc;
      c[o] += c30; c[o + 1] += c31; c[o + 2] += c32; c[o + 3] += c33;
    } else {
      c[o] = c00; c[o + 1] = c01; c[o + 2] = c02; c[o + 3] = c03; o += ldc;
      c[o] = c10; c[o + 1] = c11; c[o + 2] = c12; c[o + 3] = c13; o += ldc;
      c[o] = c20; c[o + 1] = c21; c[o + 2] = c22; c[o + 3] = c23; o += ldc;
      c[o] = c30; c[o + 1] = c31; c[o + 2] = c32; c[o + 3] = c33;
    }
    return;
  }
  const tile = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
  for (let r = 0; r < rows; r++) {
    for (let s = 0; s < cols; s++) {
      const o = ci + r * ldc + s;
      c[o] = add ? c[o] + tile[r * NR + s] : tile[r * NR + s];
    }
  }
}

/**
 * C (+)= op(A)·op(B) with C M×N at `cOffset`, row stride `ldc`. accumulate=false overwrites C.
 * K = 0 leaves C zeroed (or untouched when accumulating), as a sum over nothing should.
 */
export function sgemm(
  m: number, n: number, k: number, a: Matrix, b: Matrix,
  c: Float32Array, cOffset: number, ldc: number, accumulate: boolean,
): void {
  if (m === 0 || n === 0) return;
  if (k === 0) {
    if (!accumulate) for (let i = 0; i < m; i++) c.fill(0, cOffset + i * ldc, cOffset + i * ldc + n);
    return;
  }
  const roundUp = (v: number, r: number) => Math.ceil(v / r) * r;
  const packedA = scratch('packA', roundUp(m, MR) * Math.min(k, KC));
  const packedB = scratch('packB', Math.min(k, KC) * roundUp(Math.min(n, NC), NR));
  for (let p0 = 0; p0 < k; p0 += KC) {
    const kc = Math.min(KC, k - p0);
    const add = accumulate || p0 > 0;
    packA(a, 0, m, p0, kc, packedA);
    for (let j0 = 0; j0 < n; j0 += NC) {
      const nc = Math.min(NC, n - j0);
      packB(b, p0, kc, j0, nc, packedB);
      for (let i = 0; i < m; i += MR) {
        const rows = Math.min(MR, m - i);
        const ia = i * kc; // panel i/MR starts at (i/MR)·MR·kc
        for (let j = 0; j < nc; j += NR) {
          microKernel(kc, packedA, ia, packedB, j * kc, c, cOffset + i * ldc + j0 + j, ldc,
            rows, Math.min(NR, nc - j), add);
        }
      }
    }
  }
}
