// dcdEffectiveWeight (effective.ts), one part of `parts` for the thread pool: output channels (rows of
// W_eff) o0 … o1 − 1, by effective.ts's effectiveWeightRows — every element gets the same operations in
// the same order as in dcdEffectiveWeight, so the result is bit-identical (tests/bindings/threads.test.ts).
// Measured on the work model of planned DCD-ResNet-50 (relaxed, 2 threads): the layers on the
// effective-weights path (1×1, e.g. 256→1024 @14², L = 16) spent 0.2–0.35 ms each on the calling
// thread alone, mostly here.
// ws: PART_SCRATCH, then dcdEffectiveWorkspaceBytes(Cout, Cin, L, B, qkk) bytes.
import { PART_SCRATCH, partStart1 } from "../gemm/partition";
import { MR } from "../gemm/config";
import { effectiveWeightRows } from "./effective";

/** dcdEffectiveWeight's arguments (eps as f32 bits), then ws, part, parts. */
export function dcdEffectiveWeightPart(
  Cout: i32, Cin: i32, kk: i32, qkk: i32, L: i32, B: i32,
  lam: usize, w0: usize, b0: usize, q: usize, p: usize, phi: usize,
  g1: usize, be1: usize, m1: usize, v1: usize, g2: usize, be2: usize, m2: usize, v2: usize, epsBits: i32,
  weff: usize, beff: usize, ws: usize, part: i32, parts: i32,
): void {
  const o0 = partStart1(Cout, part, parts, MR), o1 = partStart1(Cout, part + 1, parts, MR);
  if (o0 >= o1) return;
  effectiveWeightRows(Cout, Cin, kk, qkk, L, B, lam, w0, b0, q, p, phi, g1, be1, m1, v1, g2, be2, m2, v2,
    reinterpret<f32>(epsBits), weff, beff, ws + PART_SCRATCH, o0, o1);
}
