// Packs a block of op(A) (rows i0..i0+mc, depth p0..p0+kc) into row panels of MR rows:
// panel r holds, for each k, the MR values op(A)[i0 + r·MR + 0..MR−1][p0 + k] contiguously, so the
// micro-kernel reads A with unit stride. Rows past `mc` are zero so the kernel needs no row tail.
// `scale` (0 = none) multiplies each row: this is how a per-output-channel scale (DCD's λ) is fused
// into a convolution for free — the packed copy is made anyway.

import { MR } from "./config";

export function packA(
  A: usize, lda: i32, transA: i32,
  i0: i32, mc: i32, p0: i32, kc: i32,
  scale: usize, dst: usize,
): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = min(MR, mc - ir);
    const panel = dst + ((<usize>ir * kc) << 2);
    if (ASC_FEATURE_SIMD && rows == MR && !transA) {
      packFullPanelSimd(A, lda, i0 + ir, p0, kc, scale, panel);
      continue;
    }
    for (let r = 0; r < MR; r++) {
      const out = panel + (<usize>r << 2);
      if (r >= rows) {
        zeroColumn(out, kc);
        continue;
      }
      const i = i0 + ir + r;
      const s: f32 = scale ? load<f32>(scale + (<usize>i << 2)) : 1;
      if (transA) {
        // A stored K×M: element (i, k) at A[k·lda + i]
        let src = A + ((<usize>p0 * lda + i) << 2);
        const step = <usize>lda << 2;
        for (let k = 0; k < kc; k++) {
          store<f32>(out + ((<usize>k * MR) << 2), load<f32>(src) * s);
          src += step;
        }
      } else {
        const src = A + ((<usize>i * lda + p0) << 2);
        for (let k = 0; k < kc; k++) {
          store<f32>(out + ((<usize>k * MR) << 2), load<f32>(src + (<usize>k << 2)) * s);
        }
      }
    }
  }
}

/** Zero one padded row of a panel (stride MR floats). */
function zeroColumn(out: usize, kc: i32): void {
  for (let k = 0; k < kc; k++) store<f32>(out + ((<usize>k * MR) << 2), 0);
}

/**
 * SIMD build, MR = 4 rows of a row-major A: a 4×4 transpose per 4 k (one f32x4 store per k).
 * Columns past a multiple of 4 fall back to scalar copies.
 */
function packFullPanelSimd(A: usize, lda: i32, i: i32, p0: i32, kc: i32, scale: usize, out: usize): void {
  const rowBytes = <usize>lda << 2;
  const r0 = A + ((<usize>i * lda + p0) << 2);
  const r1 = r0 + rowBytes, r2 = r1 + rowBytes, r3 = r2 + rowBytes;
  const s = scale ? v128.load(scale + (<usize>i << 2)) : f32x4.splat(1);
  const step: usize = 4 << 2; // one packed k column
  let k = 0;
  for (; k + 4 <= kc; k += 4) {
    const off = <usize>k << 2;
    const at = out + <usize>k * step;
    const a = v128.load(r0 + off), b = v128.load(r1 + off), c = v128.load(r2 + off), d = v128.load(r3 + off);
    const ab01 = v128.shuffle<f32>(a, b, 0, 4, 1, 5), ab23 = v128.shuffle<f32>(a, b, 2, 6, 3, 7);
    const cd01 = v128.shuffle<f32>(c, d, 0, 4, 1, 5), cd23 = v128.shuffle<f32>(c, d, 2, 6, 3, 7);
    v128.store(at, f32x4.mul(v128.shuffle<f32>(ab01, cd01, 0, 1, 4, 5), s));
    v128.store(at + step, f32x4.mul(v128.shuffle<f32>(ab01, cd01, 2, 3, 6, 7), s));
    v128.store(at + 2 * step, f32x4.mul(v128.shuffle<f32>(ab23, cd23, 0, 1, 4, 5), s));
    v128.store(at + 3 * step, f32x4.mul(v128.shuffle<f32>(ab23, cd23, 2, 3, 6, 7), s));
  }
  for (; k < kc; k++) {
    const off = <usize>k << 2;
    const at = out + <usize>k * step;
    store<f32>(at, load<f32>(r0 + off) * f32x4.extract_lane(s, 0));
    store<f32>(at, load<f32>(r1 + off) * f32x4.extract_lane(s, 1), 4);
    store<f32>(at, load<f32>(r2 + off) * f32x4.extract_lane(s, 2), 8);
    store<f32>(at, load<f32>(r3 + off) * f32x4.extract_lane(s, 3), 12);
  }
}
