// dcdEffectiveWeight (effective.ts), one part of `parts` for the thread pool: output channels (rows of
// W_eff) o0 … o1 − 1. Each part scales its rows of W0 by λ, sets its rows of b_eff, then, per Φ block
// its rows meet, forms that block's M·diag(a1) and T = M·diag(a1)·Q_b (lb × Cin/B·qkk: cheap, and
// formed by every part that needs it) and adds its rows of P_b·T — every element gets the same
// operations in the same order as in dcdEffectiveWeight (the rows' gemm sums each element over lb in
// order), so the result is bit-identical. Kept apart from effective.ts so the one-thread kernel stays
// as it is; tests/bindings/threads.test.ts compares the two.
// Measured on the work model of planned DCD-ResNet-50 (relaxed, 2 threads): the layers on the
// effective-weights path (1×1, e.g. 256→1024 @14², L = 16) spent 0.2–0.35 ms each on the calling
// thread alone, mostly here.
// ws: PART_SCRATCH, then dcdEffectiveWorkspaceBytes(Cout, Cin, L, B, qkk) bytes.
import { PART_SCRATCH, partStart1 } from "../gemm/partition";
import { MR } from "../gemm/config";
import { f32Block, gemm } from "./gemm";
import { dcdScaleForward } from "./scale";

// @ts-ignore: decorator
@inline function at(base: usize, i: i32): usize {
  return base + (<usize>i << 2);
}

/** a = γ/√(var + ε), c = β − a·mean (effective.ts's affineOf, the same operations). */
function affineOf(L: i32, gamma: usize, beta: usize, mean: usize, variance: usize, eps: f32, a: usize, c: usize): void {
  for (let l = 0; l < L; l++) {
    const invstd = <f32>(1.0 / Math.sqrt(<f64>load<f32>(at(variance, l)) + <f64>eps));
    const al = invstd * load<f32>(at(gamma, l));
    store<f32>(at(a, l), al);
    store<f32>(at(c, l), load<f32>(at(beta, l)) - al * load<f32>(at(mean, l)));
  }
}

/** dcdEffectiveWeight's arguments (eps as f32 bits), then ws, part, parts. */
export function dcdEffectiveWeightPart(
  Cout: i32, Cin: i32, kk: i32, qkk: i32, L: i32, B: i32,
  lam: usize, w0: usize, b0: usize, q: usize, p: usize, phi: usize,
  g1: usize, be1: usize, m1: usize, v1: usize, g2: usize, be2: usize, m2: usize, v2: usize, epsBits: i32,
  weff: usize, beff: usize, ws: usize, part: i32, parts: i32,
): void {
  const o0 = partStart1(Cout, part, parts, MR), o1 = partStart1(Cout, part + 1, parts, MR);
  if (o0 >= o1) return;
  ws += PART_SCRATCH;
  const row = Cin * kk, rows = o1 - o0;
  const w0r = w0 + (<usize>o0 * row << 2), weffr = weff + (<usize>o0 * row << 2);
  if (lam) dcdScaleForward(1, rows, row, at(lam, o0), w0r, weffr);
  else memory.copy(weffr, w0r, <usize>rows * row << 2);
  for (let o = o0; o < o1; o++) {
    const b = b0 ? load<f32>(at(b0, o)) : <f32>0;
    store<f32>(at(beff, o), lam ? b * load<f32>(at(lam, o)) : b);
  }
  if (!phi || L <= 0) return;

  const eps = reinterpret<f32>(epsBits);
  const lb = L / B, cb = Cout / B, cinB = Cin / B, cols = cinB * qkk;
  const a1 = ws, c1 = at(ws, L), a2 = at(ws, 2 * L), c2 = at(ws, 3 * L), bz = at(ws, 4 * L);
  const mq = a1 + f32Block(5 * L);
  const t = mq + f32Block(lb * lb);
  const u = t + f32Block(lb * cols);
  const gws = u + f32Block(cb * cols);
  affineOf(L, g1, be1, m1, v1, eps, a1, c1);
  affineOf(L, g2, be2, m2, v2, eps, a2, c2);
  const centre = (kk - 1) / 2;

  for (let blk = o0 / cb; blk * cb < o1; blk++) {
    const l0 = blk * lb;
    const phiB = at(phi, blk * lb * lb);
    for (let i = 0; i < lb; i++) {
      const ai = load<f32>(at(a2, l0 + i));
      let s = load<f32>(at(c2, l0 + i));
      for (let j = 0; j < lb; j++) {
        let mij = ai * load<f32>(at(phiB, i * lb + j));
        if (i == j) mij += 1;
        store<f32>(at(mq, i * lb + j), mij * load<f32>(at(a1, l0 + j)));
        s += mij * load<f32>(at(c1, l0 + j));
      }
      store<f32>(at(bz, l0 + i), s);
    }
    gemm(0, 0, lb, cols, lb, mq, lb, at(q, l0 * cols), cols, t, cols, 0, gws);
    // this block's rows r0 … r1 − 1 (block-relative) inside the part
    const r0 = max(o0 - blk * cb, 0), r1 = min(o1 - blk * cb, cb), n = r1 - r0;
    const pB = at(p, (blk * cb + r0) * lb);
    const wB = at(weff, (blk * cb + r0) * row + blk * cinB * kk);
    if (qkk == kk) {
      gemm(0, 0, n, cols, lb, pB, lb, t, cols, wB, row, 1, gws);
    } else {
      gemm(0, 0, n, cinB, lb, pB, lb, t, cinB, u, cinB, 0, gws);
      for (let o = 0; o < n; o++) {
        for (let c = 0; c < cinB; c++) {
          const dst = at(wB, o * row + c * kk + centre);
          store<f32>(dst, load<f32>(dst) + load<f32>(at(u, o * cinB + c)));
        }
      }
    }
    for (let o = 0; o < n; o++) {
      let s: f32 = 0;
      for (let l = 0; l < lb; l++) s += load<f32>(at(pB, o * lb + l)) * load<f32>(at(bz, l0 + l));
      const dst = at(beff, blk * cb + r0 + o);
      store<f32>(dst, load<f32>(dst) + s);
    }
  }
}
