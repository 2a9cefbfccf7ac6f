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
