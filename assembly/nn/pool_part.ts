// Pooling, one part of `parts` (the thread pool's entry point; see gemm/partition.ts): a range of
// planes (sample, channel) forward, of samples backward. Every plane is computed exactly as by the
// whole-op kernel, so the result is bit-identical. A ResNet's stem max pool (64 × 112² → 56², 3×3 s2)
// took 1.2 ms of a planned ResNet-18's 81 on the calling thread alone; the average pools are DCD's
// pooled descriptor g, which a layer on the effective-weights path needs before anything else (256 ×
// 56² in: ~0.15 ms), and their backward in DCD's training step.
import { partStart1 } from "../gemm/partition";
import { maxPool2dForwardPlanes } from "./maxpool";
import { adaptiveAvgPoolBackward, adaptiveAvgPoolForward, globalAvgPoolBackward, globalAvgPoolForward } from "./pool";
/** maxPool2dForward(p, x, y), planes of part `part`; ws is unused (the op has no workspace). */
export function maxPool2dForwardPart(p: usize, x: usize, y: usize, ws: usize, part: i32, parts: i32): void {
  const planes = load<i32>(p) * load<i32>(p, 4); // N · C (the pool descriptor's first two words)
  maxPool2dForwardPlanes(p, x, y, partStart1(planes, part, parts, 1), partStart1(planes, part + 1, parts, 1));
}

/** globalAvgPoolForward(N, C, H, W, x, y), planes of part `part` (DCD's pooled descriptor of a big input). */
export function globalAvgPoolForwardPart(N: i32, C: i32, H: i32, W: i32, x: usize, y: usize, ws: usize, part: i32, parts: i32): void {
  const q0 = partStart1(N * C, part, parts, 1), q1 = partStart1(N * C, part + 1, parts, 1);
  if (q0 < q1) globalAvgPoolForward(1, q1 - q0, H, W, x + (<usize>q0 * H * W << 2), y + (<usize>q0 << 2));
}

/** adaptiveAvgPoolForward(N, C, H, W, OH, OW, x, y), planes of part `part`. */
export function adaptiveAvgPoolForwardPart(
  N: i32, C: i32, H: i32, W: i32, OH: i32, OW: i32, x: usize, y: usize, ws: usize, part: i32, parts: i32,
): void {
  const q0 = partStart1(N * C, part, parts, 1), q1 = partStart1(N * C, part + 1, parts, 1);
  if (q0 < q1) adaptiveAvgPoolForward(1, q1 - q0, H, W, OH, OW, x + (<usize>q0 * H * W << 2), y + (<usize>q0 * OH * OW << 2));
}

/**
 * adaptiveAvgPoolBackward (op 0) or globalAvgPoolBackward (op 1, OH = OW = 1) from dy into dx
 * (accumulate: added to it), the samples of part `part`.
 */
export function avgPoolBackwardPart(
  op: i32, N: i32, C: i32, H: i32, W: i32, OH: i32, OW: i32, dy: usize, dx: usize, accumulate: i32,
  ws: usize, part: i32, parts: i32,
): void {
  const n0 = partStart1(N, part, parts, 1), n1 = partStart1(N, part + 1, parts, 1);
  if (n0 >= n1) return;
  const inBytes = <usize>C * H * W << 2, outBytes = <usize>C * (op == 1 ? 1 : OH * OW) << 2;
  const d = dy + <usize>n0 * outBytes, x = dx + <usize>n0 * inBytes;
  if (op == 0) adaptiveAvgPoolBackward(n1 - n0, C, H, W, OH, OW, d, x, accumulate);
  else globalAvgPoolBackward(n1 - n0, C, H, W, d, x, accumulate);
}
