// linear forward / backward, one part of `parts` for the thread pool (see gemm/partition.ts).
// `ws` is this part's own: PART_SCRATCH bytes (unused here), then linearWorkspaceBytes. Splits keep every element's summation
// order (bit-identical to linear.ts):
//   forward:  column ranges of y (output features) — or row ranges (samples) when N > OUT.
//   backward: column ranges of dx and dW (input features), output-feature ranges of db.

import { sgemm } from "../gemm/sgemm";
import { linearProduct } from "./linear";
import { PART_SCRATCH, partStart1 } from "../gemm/partition";

export function linearForwardPart(
  N: i32, IN: i32, OUT: i32, x: usize, w: usize, b: usize, y: usize, ws: usize, part: i32, parts: i32,
): void {
  ws += PART_SCRATCH;
  const byRows = N > OUT;
  const len = byRows ? N : OUT;
  const i0 = partStart1(len, part, parts, 8), i1 = partStart1(len, part + 1, parts, 8);
  if (i0 >= i1) return;
  const n0 = byRows ? i0 : 0, rows = byRows ? i1 - i0 : N;
  const o0 = byRows ? 0 : i0, cols = byRows ? OUT : i1 - i0;
  const yPart = y + ((<usize>n0 * OUT + o0) << 2);
  if (b) {
    // as linear.ts: seed the rows with the bias, then accumulate the product
    for (let n = 0; n < rows; n++) memory.copy(yPart + (<usize>n * OUT << 2), b + (<usize>o0 << 2), <usize>cols << 2);
  }
  linearProduct(rows, cols, IN, OUT, x + (<usize>n0 * IN << 2), w + (<usize>o0 * IN << 2), yPart, b ? 1 : 0, ws);
}

export function linearBackwardPart(
  N: i32, IN: i32, OUT: i32, x: usize, w: usize, dy: usize, dx: usize, dw: usize, db: usize,
  ws: usize, part: i32, parts: i32,
): void {
  ws += PART_SCRATCH;
  const i0 = partStart1(IN, part, parts, 8), i1 = partStart1(IN, part + 1, parts, 8);
  if (i0 < i1) {
    const off = <usize>i0 << 2;
    if (dx) sgemm(0, 0, N, i1 - i0, OUT, dy, OUT, w + off, IN, dx + off, IN, 0, ws);
    if (dw) sgemm(1, 0, OUT, i1 - i0, N, dy, OUT, x + off, IN, dw + off, IN, 0, ws);
  }
  if (db) columnSumsPart(N, OUT, dy, db, partStart1(OUT, part, parts, 4), partStart1(OUT, part + 1, parts, 4));
}

/** db[o] = Σ_n dy[n][o] for o in [o0, o1), row by row as linear.ts (o0 a multiple of 4). */
function columnSumsPart(N: i32, OUT: i32, dy: usize, db: usize, o0: i32, o1: i32): void {
  if (o0 >= o1) return;
  memory.fill(db + (<usize>o0 << 2), 0, <usize>(o1 - o0) << 2);
  for (let n = 0; n < N; n++) {
    const row = dy + ((<usize>n * OUT) << 2);
    let o = o0;
    if (ASC_FEATURE_SIMD) {
      for (; o + 4 <= o1; o += 4) {
        const at = db + (<usize>o << 2);
        v128.store(at, f32x4.add(v128.load(at), v128.load(row + (<usize>o << 2))));
      }
    }
    for (; o < o1; o++) {
      const at = db + (<usize>o << 2);
      store<f32>(at, load<f32>(at) + load<f32>(row + (<usize>o << 2)));
    }
  }
}
