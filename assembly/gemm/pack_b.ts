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
    if (transB) {
      packPanelTransposed(B, ldb, p0, kc, j0 + jr, cols, panel);
    } else if (cols == NR) {
      packPanelFull(B + ((<usize>p0 * ldb + j0 + jr) << 2), <usize>ldb << 2, kc, panel);
    } else {
      packPanelEdge(B + ((<usize>p0 * ldb + j0 + jr) << 2), <usize>ldb << 2, kc, cols, panel);
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
