// Packs a block of op(A) (rows i0..i0+mc, depth p0..p0+kc) into row panels of MR rows:
// panel r holds, for each k, the MR values op(A)[i0 + r·MR + 0..MR−1][p0 + k] contiguously, so the
// micro-kernel reads A with unit stride. Rows past `mc` are zero so the kernel needs no row tail.
// `scale` (0 = none) multiplies each row: this is how a per-output-channel scale (DCD's λ) is fused
// into a convolution for free — the packed copy is made anyway.

import { MR, MR_WIDE } from "./config";

export function packA(
  A: usize, lda: i32, transA: i32,
  i0: i32, mc: i32, p0: i32, kc: i32,
  scale: usize, dst: usize,
): void {
  let full = 0; // rows packed by the fast paths
  if (transA) {
    full = mc & ~(MR - 1);
    if (full > 0) packFullPanelsTransposed(A, lda, i0, full, p0, kc, scale, dst);
  }
  for (let ir = full; ir < mc; ir += MR) {
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

/** Rows a, b, c, d (4 k each) as 4 k columns of 4 rows, times the row scales s: column k at at + k·step. */
// @ts-ignore: decorator
@inline function storeTransposed4x4(a: v128, b: v128, c: v128, d: v128, s: v128, at: usize, step: usize): void {
  const ab01 = v128.shuffle<f32>(a, b, 0, 4, 1, 5), ab23 = v128.shuffle<f32>(a, b, 2, 6, 3, 7);
  const cd01 = v128.shuffle<f32>(c, d, 0, 4, 1, 5), cd23 = v128.shuffle<f32>(c, d, 2, 6, 3, 7);
  v128.store(at, f32x4.mul(v128.shuffle<f32>(ab01, cd01, 0, 1, 4, 5), s));
  v128.store(at + step, f32x4.mul(v128.shuffle<f32>(ab01, cd01, 2, 3, 6, 7), s));
  v128.store(at + 2 * step, f32x4.mul(v128.shuffle<f32>(ab23, cd23, 0, 1, 4, 5), s));
  v128.store(at + 3 * step, f32x4.mul(v128.shuffle<f32>(ab23, cd23, 2, 3, 6, 7), s));
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
    storeTransposed4x4(a, b, c, d, s, at, step);
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

/**
 * The full MR-row panels (rows i0..i0+rows, rows a multiple of MR) of a transposed A (stored K×M):
 * for each k the MR values of a panel are contiguous in A (A[k·lda + i..i+3]), so each packed k
 * column is a straight copy (one f32x4 in the SIMD build). Done in chunks of KB rows of A: a chunk
 * (KB × rows floats) stays in L1 while every panel takes its part, so each cache line of A is read
 * from memory once and every panel is written in runs of KB·MR floats. (Walking down one panel's
 * column of A, stride lda, thrashes L1 when lda·4 is a multiple of 1 KiB; writing all panels per
 * k, 4·kc bytes apart, does the same to the stores.)
 */
function packFullPanelsTransposed(
  A: usize, lda: i32, i0: i32, rows: i32, p0: i32, kc: i32, scale: usize, dst: usize,
): void {
  const KB = 16;
  const step = <usize>lda << 2;
  for (let k0 = 0; k0 < kc; k0 += KB) {
    const kn = min(KB, kc - k0);
    const chunk = A + ((<usize>(p0 + k0) * lda + i0) << 2);
    for (let ir = 0; ir < rows; ir += MR) {
      let src = chunk + (<usize>ir << 2);
      let out = dst + ((<usize>ir * kc + <usize>k0 * MR) << 2);
      if (ASC_FEATURE_SIMD) {
        const s = scale ? v128.load(scale + (<usize>(i0 + ir) << 2)) : f32x4.splat(1);
        for (let k = 0; k < kn; k++) {
          v128.store(out, scale ? f32x4.mul(v128.load(src), s) : v128.load(src));
          src += step;
          out += 16;
        }
      } else {
        for (let k = 0; k < kn; k++) {
          for (let r = 0; r < MR; r++) {
            const s: f32 = scale ? load<f32>(scale + (<usize>(i0 + ir + r) << 2)) : 1;
            store<f32>(out + (<usize>r << 2), load<f32>(src + (<usize>r << 2)) * s);
          }
          src += step;
          out += 16;
        }
      }
    }
  }
}

/**
 * packA for the wide tile: panels of MR_WIDE (5) rows, i.e. for each k the 5 values
 * op(A)[i0 + r·5 + 0..4][p0 + k] contiguously (20 bytes), rows past `mc` zero. Full panels of a
 * row-major A take a 4×4 transpose for rows 0–3 per 4 k (an unaligned f32x4 store per k, then
 * row 4's value after it); the rest is copied value by value.
 */
export function packAWide(
  A: usize, lda: i32, transA: i32,
  i0: i32, mc: i32, p0: i32, kc: i32,
  scale: usize, dst: usize,
): void {
  const step = <usize>MR_WIDE << 2; // one packed k column
  for (let ir = 0; ir < mc; ir += MR_WIDE) {
    const rows = min(MR_WIDE, mc - ir);
    const panel = dst + ((<usize>ir * kc) << 2);
    let k = 0;
    if (ASC_FEATURE_SIMD && rows == MR_WIDE && !transA) {
      const i = i0 + ir;
      const rowBytes = <usize>lda << 2;
      const r0 = A + ((<usize>i * lda + p0) << 2);
      const r1 = r0 + rowBytes, r2 = r1 + rowBytes, r3 = r2 + rowBytes, r4 = r3 + rowBytes;
      const s = scale ? v128.load(scale + (<usize>i << 2)) : f32x4.splat(1);
      const s4: f32 = scale ? load<f32>(scale + (<usize>(i + 4) << 2)) : 1;
      for (; k + 4 <= kc; k += 4) {
        const off = <usize>k << 2;
        const at = panel + <usize>k * step;
        const a = v128.load(r0 + off), b = v128.load(r1 + off), c = v128.load(r2 + off), d = v128.load(r3 + off);
        storeTransposed4x4(a, b, c, d, s, at, step);
        store<f32>(at, load<f32>(r4 + off) * s4, 16);
        store<f32>(at + step, load<f32>(r4 + off, 4) * s4, 16);
        store<f32>(at + 2 * step, load<f32>(r4 + off, 8) * s4, 16);
        store<f32>(at + 3 * step, load<f32>(r4 + off, 12) * s4, 16);
      }
    }
    // the rest (a transposed or partial panel, or the last kc % 4 columns): one value at a time
    for (let r = 0; r < MR_WIDE; r++) {
      const out = panel + (<usize>r << 2);
      if (r >= rows) {
        for (let kk = k; kk < kc; kk++) store<f32>(out + <usize>kk * step, 0);
        continue;
      }
      const i = i0 + ir + r;
      const sv: f32 = scale ? load<f32>(scale + (<usize>i << 2)) : 1;
      for (let kk = k; kk < kc; kk++) {
        const v = transA
          ? load<f32>(A + ((<usize>(p0 + kk) * lda + i) << 2)) // A stored K×M
          : load<f32>(A + ((<usize>i * lda + p0 + kk) << 2));
        store<f32>(out + <usize>kk * step, v * sv);
      }
    }
  }
}
