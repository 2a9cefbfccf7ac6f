// Eval-mode DCD as ONE convolution per sample. With running statistics every step of the latent path
// is linear per pixel — q, bn1, Φ, bn2, the identity, p — so, writing bn_i(v) = a_i ⊙ v + c_i
// (a_i = γ_i / √(var_i + ε), c_i = β_i − a_i·mean_i) and M = diag(a2)·Φ + I (block-diagonal),
//   y = λ ⊙ (W0 ∗ x + b0) + P·(M·(a1 ⊙ (Q ∗ x) + c1) + c2)
//     = W_eff ∗ x + b_eff,   W_eff = diag(λ)·W0 + P·M·diag(a1)·Q,   b_eff = λ ⊙ b0 + P·(M·c1 + c2).
// A 1×1 Q lands on W0's centre tap: the layer config enforces 2·padding = k − 1, so q's pixel (stride s,
// padding 0) sits under the centre of W0's window; a k×k Q shares W0's taps, stride and padding.
// Forming W_eff costs one pass over W0 plus 2·Cout·L·Cin·kq/B flops, independent of the image; the
// composed path costs 2·L·HW·(Cin·kq + Cout)/B flops and two passes over y. The bindings pick the
// cheaper per layer (bindings/backends/wasm/dcd_forward.ts); training always composes (it needs z).
import { gemm, gemmWorkspaceBytes, f32Block } from "./gemm";
import { dcdScaleForward } from "./scale";

// @ts-ignore: decorator
@inline function at(base: usize, i: i32): usize {
  return base + (<usize>i << 2);
}

/** a = γ/√(var + ε), c = β − a·mean for L channels (the eval-mode BatchNorm as an affine map). */
function affineOf(L: i32, gamma: usize, beta: usize, mean: usize, variance: usize, eps: f32, a: usize, c: usize): void {
  for (let l = 0; l < L; l++) {
    // 1/√ in f64 as batchNormForwardEval does, so a matches its invstd·γ
    const invstd = <f32>(1.0 / Math.sqrt(<f64>load<f32>(at(variance, l)) + <f64>eps));
    const al = invstd * load<f32>(at(gamma, l));
    store<f32>(at(a, l), al);
    store<f32>(at(c, l), load<f32>(at(beta, l)) - al * load<f32>(at(mean, l)));
  }
}

/** Workspace of dcdEffectiveWeight; qkk = taps of q (1 or kk). */
export function dcdEffectiveWorkspaceBytes(Cout: i32, Cin: i32, L: i32, B: i32, qkk: i32): usize {
  if (L <= 0) return 0;
  const lb = L / B, cb = Cout / B, cols = Cin / B * qkk;
  return f32Block(5 * L) + f32Block(lb * lb) + f32Block(lb * cols) + f32Block(cb * cols)
    + max(gemmWorkspaceBytes(lb, cols, lb), gemmWorkspaceBytes(cb, cols, lb));
}

/**
 * One sample's effective kernel and bias (see the header). W0 is (Cout, Cin, k, k) with kk = k² taps;
 * q (L, Cin/B, qk, qk) with qkk taps (1 or kk); p (Cout, L/B); phi this sample's (B, lb, lb) or 0 for a
 * Λ-only layer (then q, p and the BatchNorms are unused); lam this sample's λ (Cout) or 0 (Φ-only: λ = 1);
 * b0 0 = no bias. Writes weff (Cout·Cin·kk) and beff (Cout).
 */
export function dcdEffectiveWeight(
  Cout: i32, Cin: i32, kk: i32, qkk: i32, L: i32, B: i32,
  lam: usize, w0: usize, b0: usize, q: usize, p: usize, phi: usize,
  g1: usize, be1: usize, m1: usize, v1: usize, g2: usize, be2: usize, m2: usize, v2: usize, eps: f32,
  weff: usize, beff: usize, ws: usize,
): void {
  effectiveWeightRows(Cout, Cin, kk, qkk, L, B, lam, w0, b0, q, p, phi, g1, be1, m1, v1, g2, be2, m2, v2, eps,
    weff, beff, ws, 0, Cout);
}

/**
 * dcdEffectiveWeight's rows o0 … o1 − 1 of W_eff and b_eff (the thread parts' split, effective_part.ts):
 * λ scales those rows of W0, and for every Φ block they meet the block's M·diag(a1) and T = M·diag(a1)·Q_b
 * (lb × Cin/B·qkk, cheap) are formed and those rows of P_b·T added. Every element gets the same
 * operations in the same order whatever the rows (the gemm sums each element over lb in order), so a
 * split gives the whole call's bits.
 */
export function effectiveWeightRows(
  Cout: i32, Cin: i32, kk: i32, qkk: i32, L: i32, B: i32,
  lam: usize, w0: usize, b0: usize, q: usize, p: usize, phi: usize,
  g1: usize, be1: usize, m1: usize, v1: usize, g2: usize, be2: usize, m2: usize, v2: usize, eps: f32,
  weff: usize, beff: usize, ws: usize, o0: i32, o1: i32,
): void {
  const row = Cin * kk, rows = o1 - o0;
  const w0r = w0 + (<usize>o0 * row << 2), weffr = weff + (<usize>o0 * row << 2);
  if (lam) dcdScaleForward(1, rows, row, at(lam, o0), w0r, weffr); // W_eff = diag(λ)·W0, row by row
  else memory.copy(weffr, w0r, <usize>rows * row << 2);
  for (let o = o0; o < o1; o++) {
    const b = b0 ? load<f32>(at(b0, o)) : <f32>0;
    store<f32>(at(beff, o), lam ? b * load<f32>(at(lam, o)) : b);
  }
  if (!phi || L <= 0) return;

  const lb = L / B, cb = Cout / B, cinB = Cin / B, cols = cinB * qkk;
  const a1 = ws, c1 = at(ws, L), a2 = at(ws, 2 * L), c2 = at(ws, 3 * L), bz = at(ws, 4 * L);
  const mq = a1 + f32Block(5 * L); // this block's M·diag(a1), lb × lb
  const t = mq + f32Block(lb * lb); // T = M·diag(a1)·Q_b, lb × cols
  const u = t + f32Block(lb * cols); // P_b·T for a 1×1 Q (cb × cinB), added to the centre taps
  const gws = u + f32Block(cb * cols);
  affineOf(L, g1, be1, m1, v1, eps, a1, c1);
  affineOf(L, g2, be2, m2, v2, eps, a2, c2);
  const centre = (kk - 1) / 2; // k odd (2·padding = k − 1)

  for (let blk = o0 / cb; blk * cb < o1; blk++) {
    const l0 = blk * lb;
    const phiB = at(phi, blk * lb * lb);
    // M = diag(a2)·Φ_b + I; mq = M·diag(a1); bz = M·c1 + c2
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
    // this block's rows r0 … r1 − 1 (block-relative) inside o0 … o1 − 1
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
