// conv2d forward, one part of `parts` (the thread pool's entry point; see gemm/partition.ts).
// The GEMM path splits the output pixels of every (sample, group) into column ranges: each part
// packs only its own columns of the implicit im2col (no work is repeated but packing the small
// weight matrix), writes a disjoint slice of y, and sums each element in the single-thread order.
// `ws` is this part's own: PART_SCRATCH bytes of scratch, then conv2dWorkspaceBytes(p, 0) bytes.

import { B_CONV, B_DENSE, gemmDriver } from "../gemm/driver";
import { PART_SCRATCH, partStart } from "../gemm/partition";
import {
  convC, convCinPerGroup, convCoutPerGroup, convG, convH, convIsDepthwise, convIsPointwise,
  convK, convN, convOH, convOW, convPatchSize, convW,
} from "./conv2d_params";
import { depthwiseForwardPart } from "./depthwise_part";

export function conv2dForwardPart(p: usize, x: usize, w: usize, b: usize, y: usize, ws: usize, part: i32, parts: i32): void {
  if (convIsDepthwise(p)) {
    depthwiseForwardPart(p, x, w, b, y, ws, part, parts);
    return;
  }
  ws += PART_SCRATCH;
  const C = convC(p), K = convK(p), G = convG(p);
  const cinG = convCinPerGroup(p), coutG = convCoutPerGroup(p), patch = convPatchSize(p);
  const inPlane = <usize>convH(p) * convW(p);
  const pixels = convOH(p) * convOW(p);
  const segs = convN(p) * G;
  const a = partStart(segs, pixels, part, parts, 8), e = partStart(segs, pixels, part + 1, parts, 8);
  for (let s = <i32>(a / pixels); <i64>s * pixels < e; s++) {
    const j0 = <i32>max<i64>(a - <i64>s * pixels, 0), j1 = <i32>min<i64>(e - <i64>s * pixels, pixels);
    if (j0 >= j1) continue;
    const n = s / G, g = s % G;
    const xg = x + ((<usize>(n * C + g * cinG) * inPlane) << 2);
    const yj = y + ((<usize>(n * K + g * coutG) * pixels + j0) << 2);
    const wg = w + ((<usize>g * coutG * patch) << 2);
    const bg = b ? b + (<usize>(g * coutG) << 2) : 0;
    if (convIsPointwise(p)) {
      gemmDriver(coutG, j1 - j0, patch, wg, patch, 0, 0,
        B_DENSE, xg + (<usize>j0 << 2), <i32>inPlane, 0, 0, yj, pixels, 0, bg, ws);
    } else {
      gemmDriver(coutG, j1 - j0, patch, wg, patch, 0, 0,
        B_CONV, xg, 0, 0, p, yj, pixels, 0, bg, ws, j0);
    }
  }
}
