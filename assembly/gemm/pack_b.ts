// Packs a block of a dense op(B) (depth p0..p0+kc, columns j0..j0+nc) into column panels of NR
// columns: panel c holds, for each k, op(B)[p0 + k][j0 + c·NR + 0..NR−1] contiguously. Columns past
// `nc` are zero so the micro-kernel needs no column tail.

import { NR } from "./config";

export function packB(
  B: usize, ldb: i32, transB: i32,
  p0: i32, kc: i32, j0: i32, nc: i32,
  dst: usize,
): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = min(NR, nc - jr);
    const panel = dst + ((<usize>jr * kc) << 2);
    if (transB && cols == NR) {
      packPanelTransposedFull(B, ldb, p0, kc, j0 + jr, panel);
    } else if (transB) {
      packPanelTransposed(B, ldb, p0, kc, j0 + jr, cols, panel);
    } else if (cols == NR) {
      packPanelFull(B + ((<usize>p0 * ldb + j0 + jr) << 2), <usize>ldb << 2, kc, panel);
    } else {
      packPanelEdge(B + ((<usize>p0 * ldb + j0 + jr) << 2), <usize>ldb << 2, kc, cols, panel);
    }
  }
}

/**
 * Dense B whose columns run over samples (a batched pointwise conv): column j is column
 * j % segCols of sample j / segCols, which starts `segBytes` after the previous one. Panels inside
 * one sample are plain copies; a panel straddling samples is gathered lane by lane.
 */
export function packBSegmented(
  B: usize, ldb: i32, p0: i32, kc: i32, j0: i32, nc: i32,
  segCols: i32, segBytes: usize, dst: usize,
): void {
  const rowStride = <usize>ldb << 2;
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = min(NR, nc - jr);
    const panel = dst + ((<usize>jr * kc) << 2);
    const j = j0 + jr, seg = j / segCols, q = j - seg * segCols;
    const src = B + <usize>seg * segBytes + ((<usize>p0 * ldb + q) << 2);
    if (q + cols <= segCols) {
      if (cols == NR) packPanelFull(src, rowStride, kc, panel);
      else packPanelEdge(src, rowStride, kc, cols, panel);
      continue;
    }
    for (let l = 0; l < NR; l++) { // straddles: lanes from this sample, then the next
      const s = seg + (q + l) / segCols, c = (q + l) % segCols; // (tiny images: several samples)
      const from = B + <usize>s * segBytes + ((<usize>p0 * ldb + c) << 2);
      let out = panel + (<usize>l << 2);
      for (let k = 0; k < kc; k++) {
        store<f32>(out, l < cols ? load<f32>(from + <usize>k * rowStride) : 0);
        out += <usize>NR << 2;
      }
    }
  }
}

/** NR contiguous columns from each of kc rows `rowStride` bytes apart. */
function packPanelFull(src: usize, rowStride: usize, kc: i32, out: usize): void {
  for (let k = 0; k < kc; k++) {
    if (ASC_FEATURE_SIMD) {
      v128.store(out, v128.load(src));
      v128.store(out, v128.load(src, 16), 16);
    } else {
      for (let j = 0; j < NR; j++) store<f32>(out + (<usize>j << 2), load<f32>(src + (<usize>j << 2)));
    }
    src += rowStride;
    out += <usize>NR << 2;
  }
}

/** The last, partial panel: `cols` < NR real columns, the rest zero. */
function packPanelEdge(src: usize, rowStride: usize, kc: i32, cols: i32, out: usize): void {
  for (let k = 0; k < kc; k++) {
    for (let j = 0; j < NR; j++) {
      store<f32>(out + (<usize>j << 2), j < cols ? load<f32>(src + (<usize>j << 2)) : 0);
    }
    src += rowStride;
    out += <usize>NR << 2;
  }
}

/** B stored N×K: element (k, n) at B[n·ldb + k]; read each column's run of k contiguously. */
function packPanelTransposed(B: usize, ldb: i32, p0: i32, kc: i32, n0: i32, cols: i32, out: usize): void {
  for (let j = 0; j < NR; j++) {
    const dst = out + (<usize>j << 2);
    if (j >= cols) {
      for (let k = 0; k < kc; k++) store<f32>(dst + ((<usize>k * NR) << 2), 0);
      continue;
    }
    const src = B + ((<usize>(n0 + j) * ldb + p0) << 2);
    for (let k = 0; k < kc; k++) {
      store<f32>(dst + ((<usize>k * NR) << 2), load<f32>(src + (<usize>k << 2)));
    }
  }
}

/**
 * A full panel of a transposed B (stored N×K): NR rows of B, each a contiguous run of k. The SIMD
 * build reads 4 k of each of the 8 rows and transposes two 4×4 blocks in registers (one f32x4
 * store per packed half-row); the scalar build walks k outermost so all NR rows stream forward.
 */
function packPanelTransposedFull(B: usize, ldb: i32, p0: i32, kc: i32, n0: i32, out: usize): void {
  const rowBytes = <usize>ldb << 2;
  const r0 = B + ((<usize>n0 * ldb + p0) << 2);
  const step: usize = <usize>NR << 2; // one packed k row
  let k = 0;
  if (ASC_FEATURE_SIMD) {
    const r1 = r0 + rowBytes, r2 = r1 + rowBytes, r3 = r2 + rowBytes;
    const r4 = r3 + rowBytes, r5 = r4 + rowBytes, r6 = r5 + rowBytes, r7 = r6 + rowBytes;
    for (; k + 4 <= kc; k += 4) {
      const off = <usize>k << 2;
      const at = out + <usize>k * step;
      transpose4(v128.load(r0 + off), v128.load(r1 + off), v128.load(r2 + off), v128.load(r3 + off), at, step);
      transpose4(v128.load(r4 + off), v128.load(r5 + off), v128.load(r6 + off), v128.load(r7 + off), at + 16, step);
    }
  }
  for (; k < kc; k++) {
    const at = out + <usize>k * step;
    let src = r0 + (<usize>k << 2);
    for (let j = 0; j < NR; j++) {
      store<f32>(at + (<usize>j << 2), load<f32>(src));
      src += rowBytes;
    }
  }
}

/** Rows a, b, c, d (4 k each) → 4 stores of [a_k, b_k, c_k, d_k], `step` bytes apart. */
// @ts-ignore: decorator
@inline function transpose4(a: v128, b: v128, c: v128, d: v128, at: usize, step: usize): void {
  const ab01 = v128.shuffle<f32>(a, b, 0, 4, 1, 5), ab23 = v128.shuffle<f32>(a, b, 2, 6, 3, 7);
  const cd01 = v128.shuffle<f32>(c, d, 0, 4, 1, 5), cd23 = v128.shuffle<f32>(c, d, 2, 6, 3, 7);
  v128.store(at, v128.shuffle<f32>(ab01, cd01, 0, 1, 4, 5));
  v128.store(at + step, v128.shuffle<f32>(ab01, cd01, 2, 3, 6, 7));
  v128.store(at + 2 * step, v128.shuffle<f32>(ab23, cd23, 0, 1, 4, 5));
  v128.store(at + 3 * step, v128.shuffle<f32>(ab23, cd23, 2, 3, 6, 7));
}
