// Pooling, one part of `parts` (the thread pool's entry point; see gemm/partition.ts): a range of
// planes (sample, channel). Every plane is computed exactly as by the whole-op kernel, so the result
// is bit-identical. A ResNet's stem max pool (64 × 112² → 56², 3×3 s2) took 1.2 ms of a planned
// ResNet-18's 81 on the calling thread alone.
import { partStart1 } from "../gemm/partition";
import { maxPool2dForwardPlanes } from "./maxpool";

/** maxPool2dForward(p, x, y), planes of part `part`; ws is unused (the op has no workspace). */
export function maxPool2dForwardPart(p: usize, x: usize, y: usize, ws: usize, part: i32, parts: i32): void {
  const planes = load<i32>(p) * load<i32>(p, 4); // N · C (the pool descriptor's first two words)
  maxPool2dForwardPlanes(p, x, y, partStart1(planes, part, parts, 1), partStart1(planes, part + 1, parts, 1));
}
