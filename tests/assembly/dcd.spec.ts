// DCD kernels against naive loops: block-diagonal Φ fusion, λ scaling, the p projection (accumulating
// into y), and the dynamic branch's empty fc.0 case (S = 0 → Φ = 0, λ = Hsig(0) = 1).
import { dcdPhiForward, dcdPhiBackward } from "../../assembly/dcd/phi";
import { dcdScaleForward, dcdScaleBackward } from "../../assembly/dcd/scale";
import { dcdProjectForward, dcdProjectBackward, dcdProjectWorkspaceBytes } from "../../assembly/dcd/project";
import { dcdBranchForward } from "../../assembly/dcd/branch";
import { dcdFlipConvWeights } from "../../assembly/dcd/flip";
import { conv2dForward, conv2dWorkspaceBytes } from "../../assembly/conv/conv2d_forward";
import { ConvCase } from "./conv_reference";
import { dcdEffectiveWeight, dcdEffectiveWorkspaceBytes } from "../../assembly/dcd/effective";
import { batchNormForwardEval } from "../../assembly/nn/batchnorm";
import { dcdEvalForward, dcdEvalForwardWorkspaceBytes, DCD_EVAL_PLAN_WORDS } from "../../assembly/dcd/forward_eval";
import { dcdBranchWorkspaceBytes } from "../../assembly/dcd/branch";
import { adaptiveAvgPoolForward, globalAvgPoolForward } from "../../assembly/nn/pool";
import { setGemmForceWide } from "../../assembly/gemm/driver";

function ptr(a: StaticArray<f32>): usize {
  return changetype<usize>(a);
}
function filled(n: i32, seed: i32): StaticArray<f32> {
  const a = new StaticArray<f32>(n);
  for (let i = 0; i < n; i++) a[i] = <f32>Math.sin(<f64>(i * 5 + seed * 11) * 0.71);
  return a;
}

// N=2 samples, B=2 blocks of lb=2 latent channels, HW=5 pixels
const N = 2, B = 2, lb = 2, L = 4, HW = 5;

/** dcdPhiForward / dcdPhiBackward of one shape against the sums written out. */
function checkPhi(N: i32, B: i32, lb: i32, HW: i32): void {
  const L = B * lb;
  const phi = filled(N * B * lb * lb, 1), z = filled(N * L * HW, 2), dw = filled(N * L * HW, 3);
  const w = new StaticArray<f32>(N * L * HW), dz = filled(N * L * HW, 4), dz0 = filled(N * L * HW, 4);
  const dphi = new StaticArray<f32>(N * B * lb * lb);
  dcdPhiForward(N, B, lb, HW, ptr(phi), ptr(z), ptr(w));
  dcdPhiBackward(N, B, lb, HW, ptr(phi), ptr(z), ptr(dw), ptr(dz), ptr(dphi));
  for (let n = 0; n < N; n++) for (let b = 0; b < B; b++) for (let i = 0; i < lb; i++) for (let p = 0; p < HW; p++) {
    let fw: f32 = 0, bz: f32 = 0;
    for (let j = 0; j < lb; j++) {
      fw += phi[((n * B + b) * lb + i) * lb + j] * z[(n * L + b * lb + j) * HW + p];
      bz += phi[((n * B + b) * lb + j) * lb + i] * dw[(n * L + b * lb + j) * HW + p];
    }
    const r = (n * L + b * lb + i) * HW + p;
    expect(w[r]).toBeCloseTo(fw, 4);
    expect(dz[r]).toBeCloseTo(dz0[r] + bz, 4); // accumulates onto the identity path's gradient
  }
  for (let n = 0; n < N; n++) for (let b = 0; b < B; b++) for (let i = 0; i < lb; i++) for (let j = 0; j < lb; j++) {
    let g: f32 = 0;
    for (let p = 0; p < HW; p++) g += dw[(n * L + b * lb + i) * HW + p] * z[(n * L + b * lb + j) * HW + p];
    expect(dphi[((n * B + b) * lb + i) * lb + j]).toBeCloseTo(g, 4);
  }
}

describe("dcdPhi", () => {
  it("applies each sample's block-diagonal Φ at every pixel, and its backward", () => {
    checkPhi(N, B, lb, HW); // N=2 samples, B=2 blocks of lb=2 latent channels, HW=5 pixels
  });
  it("blocks of 4 rows and 8 / 4 / 1 pixels, remainder rows and dΦ columns (lb 11 and 22)", () => {
    checkPhi(2, 2, 11, 21); // rows 4 + 4 + 3, dΦ columns 8 + 3; pixels 8 + 8 + 4 + 1
    checkPhi(1, 1, 22, 13); // rows 5·4 + 2, dΦ columns 20 + 2; pixels 8 + 4 + 1
  });
});

describe("dcdScale", () => {
  it("scales each (sample, channel) row by λ; backward gives dλ = Σ dy·c and dc = λ·dy", () => {
    const C = 3;
    const lam = filled(N * C, 5), c = filled(N * C * HW, 6), dy = filled(N * C * HW, 7);
    const y = new StaticArray<f32>(N * C * HW), dlam = new StaticArray<f32>(N * C), dc = new StaticArray<f32>(N * C * HW);
    dcdScaleForward(N, C, HW, ptr(lam), ptr(c), ptr(y));
    dcdScaleBackward(N, C, HW, ptr(lam), ptr(c), ptr(dy), ptr(dlam), ptr(dc));
    for (let r = 0; r < N * C; r++) {
      let s: f32 = 0;
      for (let p = 0; p < HW; p++) {
        expect(y[r * HW + p]).toBeCloseTo(lam[r] * c[r * HW + p]);
        expect(dc[r * HW + p]).toBeCloseTo(lam[r] * dy[r * HW + p]);
        s += dy[r * HW + p] * c[r * HW + p];
      }
      expect(dlam[r]).toBeCloseTo(s);
    }
  });
});

describe("dcdProject", () => {
  it("adds P·z per block into y and back-propagates to z and P", () => {
    const Cout = 6, cb = 3;
    const P = filled(Cout * lb, 8), z = filled(N * L * HW, 9), dy = filled(N * Cout * HW, 10);
    const y = filled(N * Cout * HW, 11), y0 = filled(N * Cout * HW, 11);
    const dz = new StaticArray<f32>(N * L * HW), dP = new StaticArray<f32>(Cout * lb);
    const ws = new StaticArray<u8>(<i32>dcdProjectWorkspaceBytes(Cout, L, B, HW) + 16);
    const wsPtr = (changetype<usize>(ws) + 15) & ~(<usize>15);
    dcdProjectForward(N, Cout, L, B, HW, ptr(P), ptr(z), ptr(y), 1, wsPtr);
    dcdProjectBackward(N, Cout, L, B, HW, ptr(P), ptr(z), ptr(dy), ptr(dz), ptr(dP), wsPtr);
    for (let n = 0; n < N; n++) for (let o = 0; o < Cout; o++) for (let p = 0; p < HW; p++) {
      const b = o / cb;
      let s: f32 = 0;
      for (let j = 0; j < lb; j++) s += P[o * lb + j] * z[(n * L + b * lb + j) * HW + p];
      expect(y[(n * Cout + o) * HW + p]).toBeCloseTo(y0[(n * Cout + o) * HW + p] + s);
    }
    for (let n = 0; n < N; n++) for (let b = 0; b < B; b++) for (let j = 0; j < lb; j++) for (let p = 0; p < HW; p++) {
      let s: f32 = 0;
      for (let o = b * cb; o < (b + 1) * cb; o++) s += P[o * lb + j] * dy[(n * Cout + o) * HW + p];
      expect(dz[(n * L + b * lb + j) * HW + p]).toBeCloseTo(s);
    }
    for (let o = 0; o < Cout; o++) for (let j = 0; j < lb; j++) {
      const b = o / cb;
      let s: f32 = 0;
      for (let n = 0; n < N; n++) for (let p = 0; p < HW; p++) s += dy[(n * Cout + o) * HW + p] * z[(n * L + b * lb + j) * HW + p];
      expect(dP[o * lb + j]).toBeCloseTo(s);
    }
  });
});

describe("dcdBranch", () => {
  it("with S = 0 (conv_dy, Cin < 16) gives Φ = 0 and λ = Hsig(0) = 1", () => {
    const P = 8, Cout = 3, Mphi = 4;
    const g = filled(N * P, 12), phi = filled(N * Mphi, 13), u = filled(N * Cout, 14), lam = filled(N * Cout, 15);
    const empty = new StaticArray<f32>(1);
    dcdBranchForward(N, P, 0, Mphi, Cout, ptr(g), ptr(empty), ptr(empty), ptr(empty), ptr(empty),
      ptr(empty), ptr(empty), ptr(empty), ptr(phi), ptr(u), ptr(lam), 0);
    for (let i = 0; i < N * Mphi; i++) expect(phi[i]).toBe(0);
    for (let i = 0; i < N * Cout; i++) expect(lam[i]).toBe(1);
  });
});

/** dx of one stride-1 case as the forward conv of the flipped weights; returns the number of wrong dx. */
function flippedBackwardData(N: i32, C: i32, H: i32, W: i32, K: i32, KH: i32, KW: i32,
                             PH: i32, PW: i32, DH: i32, DW: i32, G: i32): i32 {
  const t = new ConvCase(N, C, H, W, K, KH, KW, 1, 1, PH, PW, DH, DW, G, false);
  const q = heap.alloc(64);
  const dims: i32[] = [N, K, t.OH, t.OW, C, KH, KW, 1, 1, DH * (KH - 1) - PH, DW * (KW - 1) - PW, DH, DW, G, H, W];
  for (let i = 0; i < 16; i++) store<i32>(q + (<usize>i << 2), dims[i]);
  const wt = heap.alloc(<usize>(K * (C / G) * KH * KW) << 2);
  const ws = t.workspace(conv2dWorkspaceBytes(q, 0));
  dcdFlipConvWeights(K, C, G, KH, KW, t.w, wt);
  conv2dForward(q, t.dy, wt, 0, t.dx, ws);
  const bad = t.badData();
  heap.free(ws); heap.free(wt); heap.free(q); t.free();
  return bad;
}

describe("dcdFlipConvWeights", () => {
  //                                    N  C  H  W  K KH KW PH PW DH DW G
  it("3x3 pad 1: the forward conv of the flipped weights is conv_transpose", () => {
    expect(flippedBackwardData(2, 5, 7, 6, 9, 3, 3, 1, 1, 1, 1, 1)).toBe(0);
  });
  it("3x3 pad 0 (flipped padding 2), 2x5 pad (1, 0)", () => {
    expect(flippedBackwardData(1, 4, 8, 9, 6, 3, 3, 0, 0, 1, 1, 1)).toBe(0);
    expect(flippedBackwardData(2, 3, 6, 9, 4, 2, 5, 1, 0, 1, 1, 1)).toBe(0);
  });
  it("dilation 2 and groups 2", () => {
    expect(flippedBackwardData(1, 4, 9, 9, 6, 3, 3, 2, 1, 2, 2, 1)).toBe(0);
    expect(flippedBackwardData(2, 6, 7, 7, 4, 3, 3, 1, 1, 1, 1, 2)).toBe(0);
  });
});

function convDesc(C: i32, H: i32, W: i32, K: i32, k: i32, s: i32, pad: i32, G: i32): usize {
  const q = heap.alloc(64);
  const o = (H + 2 * pad - k) / s + 1, ow = (W + 2 * pad - k) / s + 1;
  const dims: i32[] = [1, C, H, W, K, k, k, s, s, pad, pad, 1, 1, G, o, ow];
  for (let i = 0; i < 16; i++) store<i32>(q + (<usize>i << 2), dims[i]);
  return q;
}
function conv(desc: usize, x: usize, w: usize, b: usize, y: usize): void {
  const ws = heap.alloc(max<usize>(conv2dWorkspaceBytes(desc, 0), 16));
  conv2dForward(desc, x, w, b, y, ws);
  heap.free(ws);
}

/**
 * One sample of an eval-mode DCD layer (k×k W0 with bias, padding (k−1)/2; q 1×1 or k×k; B blocks) two
 * ways: composed from the kernels the training path uses, and as one conv of dcdEffectiveWeight's
 * W_eff, b_eff. Returns the largest |difference| relative to max |y|.
 */
function effectiveVsComposed(Cin: i32, Cout: i32, H: i32, k: i32, s: i32, L: i32, B: i32, qk: i32, withLambda: bool): f32 {
  const pad = (k - 1) / 2, qpad = qk > 1 ? pad : 0, lb = L / B;
  const OH = (H + 2 * pad - k) / s + 1, HW = OH * OH;
  const x = filled(Cin * H * H, 1), w0 = filled(Cout * Cin * k * k, 2), b0 = filled(Cout, 3);
  const q = filled(L * (Cin / B) * qk * qk, 4), p = filled(Cout * lb, 5), phi = filled(B * lb * lb, 6);
  const lam = filled(Cout, 7);
  const g1 = filled(L, 8), be1 = filled(L, 9), m1 = filled(L, 10), v1 = filled(L, 11);
  const g2 = filled(L, 12), be2 = filled(L, 13), m2 = filled(L, 14), v2 = filled(L, 15);
  for (let l = 0; l < L; l++) { v1[l] = Mathf.abs(v1[l]) + 0.5; v2[l] = Mathf.abs(v2[l]) + 0.5; }
  const eps: f32 = 1e-5;
  const lamPtr = withLambda ? ptr(lam) : 0;

  // composed: y = λ ⊙ conv(x, W0, b0) + P·(bn2(Φ·z1) + z1), z1 = bn1(q(x))
  const y = new StaticArray<f32>(Cout * HW), c = new StaticArray<f32>(Cout * HW);
  const zq = new StaticArray<f32>(L * HW), z1 = new StaticArray<f32>(L * HW);
  const wv = new StaticArray<f32>(L * HW), z = new StaticArray<f32>(L * HW);
  const sDesc = convDesc(Cin, H, H, Cout, k, s, pad, 1), qDesc = convDesc(Cin, H, H, L, qk, s, qpad, B);
  conv(sDesc, ptr(x), ptr(w0), ptr(b0), ptr(c));
  if (withLambda) dcdScaleForward(1, Cout, HW, ptr(lam), ptr(c), ptr(y));
  else memory.copy(ptr(y), ptr(c), <usize>(Cout * HW) << 2);
  conv(qDesc, ptr(x), ptr(q), 0, ptr(zq));
  batchNormForwardEval(1, L, HW, ptr(zq), ptr(g1), ptr(be1), ptr(m1), ptr(v1), eps, 0, ptr(z1));
  dcdPhiForward(1, B, lb, HW, ptr(phi), ptr(z1), ptr(wv));
  batchNormForwardEval(1, L, HW, ptr(wv), ptr(g2), ptr(be2), ptr(m2), ptr(v2), eps, ptr(z1), ptr(z));
  const pws = heap.alloc(max<usize>(dcdProjectWorkspaceBytes(Cout, L, B, HW), 16));
  dcdProjectForward(1, Cout, L, B, HW, ptr(p), ptr(z), ptr(y), 1, pws);

  // formed: one conv with W_eff, b_eff
  const weff = new StaticArray<f32>(Cout * Cin * k * k), beff = new StaticArray<f32>(Cout);
  const ews = heap.alloc(max<usize>(dcdEffectiveWorkspaceBytes(Cout, Cin, L, B, qk * qk), 16));
  dcdEffectiveWeight(Cout, Cin, k * k, qk * qk, L, B, lamPtr, ptr(w0), ptr(b0), ptr(q), ptr(p), ptr(phi),
    ptr(g1), ptr(be1), ptr(m1), ptr(v1), ptr(g2), ptr(be2), ptr(m2), ptr(v2), eps, ptr(weff), ptr(beff), ews);
  const y2 = new StaticArray<f32>(Cout * HW);
  conv(sDesc, ptr(x), ptr(weff), ptr(beff), ptr(y2));

  let big: f32 = 0, diff: f32 = 0;
  for (let i = 0; i < Cout * HW; i++) {
    big = max(big, Mathf.abs(y[i]));
    diff = max(diff, Mathf.abs(y[i] - y2[i]));
  }
  heap.free(pws); heap.free(ews); heap.free(sDesc); heap.free(qDesc);
  return diff / big;
}

describe("dcdEffectiveWeight", () => {
  it("one conv of W_eff = ΛW0 + P·M·Q equals the composed eval-mode layer (3×3 W0, 1×1 Q on the centre tap)", () => {
    expect(effectiveVsComposed(6, 8, 7, 3, 1, 4, 1, 1, true)).toBeLessThan(2e-6);
    expect(effectiveVsComposed(6, 8, 7, 3, 2, 4, 2, 1, true)).toBeLessThan(2e-6); // stride 2, 2 blocks
  });
  it("k×k Q on every tap, 1×1 W0, Φ-only (λ = 1), 5×5 with 2 blocks", () => {
    expect(effectiveVsComposed(4, 6, 6, 3, 1, 4, 2, 3, true)).toBeLessThan(2e-6);
    expect(effectiveVsComposed(8, 4, 5, 1, 1, 4, 1, 1, true)).toBeLessThan(2e-6);
    expect(effectiveVsComposed(8, 4, 5, 1, 2, 4, 2, 1, false)).toBeLessThan(2e-6);
    expect(effectiveVsComposed(4, 6, 9, 5, 1, 6, 2, 1, true)).toBeLessThan(2e-6);
  });
});

/** The i-th of the 8 BatchNorm vectors (bn1 weight, bias, mean, var, then bn2's) of L floats each; 0 when L = 0. */
function bnAt(bn: StaticArray<f32>, L: i32, i: i32): usize {
  return L > 0 ? ptr(bn) + (<usize>(i * L) << 2) : 0;
}

/**
 * An eval-mode DCD layer (3×3 W0 with bias, padding 1, 1×1 q, B blocks) on N = 2 samples two ways:
 * dcdEvalForward in one call, and composed from the kernels one by one in the bindings' per-kernel
 * order. L = 0: Λ only; withLambda false: Φ only. forceWide: every GEMM on the wide tile, which packs
 * W0 per call (the relaxed build's case; λ is a pass over y either way). W0 is plain (word 56 = 0).
 * Returns the largest |difference| relative to max |y|.
 */
function evalForwardVsKernels(Cin: i32, Cout: i32, H: i32, L: i32, B: i32, pool: i32, S: i32,
                              withLambda: bool, forceWide: bool): f32 {
  const n = 2, HW = H * H, P = Cin * pool * pool, lb = L > 0 ? L / B : 0, Mphi = B * lb * lb;
  const x = filled(n * Cin * HW, 1), w0 = filled(Cout * Cin * 9, 2), b0 = filled(Cout, 3);
  const q = filled(max(L, 1) * (Cin / B), 4), p = filled(Cout * max(lb, 1), 5);
  const fc0 = filled(S * P, 6), se = filled(S * S, 7), fcphi = filled(max(Mphi, 1) * S, 8), fcscale = filled(Cout * S, 9);
  const bn = filled(8 * max(L, 1), 10); // bn1 weight, bias, mean, var, then bn2's: L each
  for (let l = 0; l < L; l++) { bn[3 * L + l] = Mathf.abs(bn[3 * L + l]) + 0.5; bn[7 * L + l] = Mathf.abs(bn[7 * L + l]) + 0.5; }
  const eps: f32 = 1e-5;
  setGemmForceWide(forceWide);

  // one call
  const sDesc = convDesc(Cin, H, H, Cout, 3, 1, 1, 1), qDesc = convDesc(Cin, H, H, max(L, 1), 1, 1, 0, B);
  const plan = heap.alloc(<usize>DCD_EVAL_PLAN_WORDS << 2);
  memory.copy(plan, sDesc, 64);
  memory.copy(plan + 64, qDesc, 64);
  const words: usize[] = [<usize>pool, <usize>S, <usize>L, <usize>B, ptr(w0), ptr(b0), ptr(q), ptr(p), ptr(fc0), ptr(se),
    L > 0 ? ptr(fcphi) : 0, withLambda ? ptr(fcscale) : 0, bnAt(bn, L, 0), bnAt(bn, L, 1), bnAt(bn, L, 2), bnAt(bn, L, 3), bnAt(bn, L, 4), bnAt(bn, L, 5), bnAt(bn, L, 6), bnAt(bn, L, 7)];
  for (let i = 0; i < words.length; i++) store<i32>(plan + (<usize>(32 + i) << 2), <i32>words[i]);
  // no fused output (postBias, residual = 0; clamp bounds ∓Inf): the plain layer
  store<i32>(plan + (<usize>52 << 2), 0);
  store<i32>(plan + (<usize>53 << 2), 0);
  store<f32>(plan + (<usize>54 << 2), -Infinity);
  store<f32>(plan + (<usize>55 << 2), Infinity);
  store<i32>(plan + (<usize>56 << 2), 0); // W0 plain, not pre-packed panels
  const y = new StaticArray<f32>(n * Cout * HW);
  const ws = heap.alloc(dcdEvalForwardWorkspaceBytes(plan, n));
  dcdEvalForward(plan, n, ptr(x), ptr(y), eps, ws);

  // kernel by kernel
  const g = new StaticArray<f32>(n * P), sv = new StaticArray<f32>(n * max(S, 1)), tv = new StaticArray<f32>(n * max(S, 1));
  const s2 = new StaticArray<f32>(n * max(S, 1)), phi = new StaticArray<f32>(n * max(Mphi, 1));
  const u = new StaticArray<f32>(n * Cout), lam = new StaticArray<f32>(n * Cout);
  if (pool == 1) globalAvgPoolForward(n, Cin, H, H, ptr(x), ptr(g));
  else adaptiveAvgPoolForward(n, Cin, H, H, 2, 2, ptr(x), ptr(g));
  const bws = heap.alloc(max<usize>(dcdBranchWorkspaceBytes(n, P, S, Mphi, Cout), 16));
  dcdBranchForward(n, P, S, Mphi, Cout, ptr(g), ptr(fc0), ptr(se), L > 0 ? ptr(fcphi) : 0, withLambda ? ptr(fcscale) : 0,
    ptr(sv), ptr(tv), ptr(s2), ptr(phi), ptr(u), ptr(lam), bws);
  const want = new StaticArray<f32>(n * Cout * HW), c = new StaticArray<f32>(Cout * HW);
  const zq = new StaticArray<f32>(max(L, 1) * HW), z1 = new StaticArray<f32>(max(L, 1) * HW);
  const wv = new StaticArray<f32>(max(L, 1) * HW), z = new StaticArray<f32>(max(L, 1) * HW);
  const pws = heap.alloc(max<usize>(dcdProjectWorkspaceBytes(Cout, max(L, 1), B, HW), 16));
  for (let i = 0; i < n; i++) {
    const yi = ptr(want) + (<usize>(i * Cout * HW) << 2), xi = ptr(x) + (<usize>(i * Cin * HW) << 2);
    conv(sDesc, xi, ptr(w0), ptr(b0), ptr(c));
    if (withLambda) dcdScaleForward(1, Cout, HW, ptr(lam) + (<usize>(i * Cout) << 2), ptr(c), yi);
    else memory.copy(yi, ptr(c), <usize>(Cout * HW) << 2);
    if (L == 0) continue;
    conv(qDesc, xi, ptr(q), 0, ptr(zq));
    batchNormForwardEval(1, L, HW, ptr(zq), bnAt(bn, L, 0), bnAt(bn, L, 1), bnAt(bn, L, 2), bnAt(bn, L, 3), eps, 0, ptr(z1));
    dcdPhiForward(1, B, lb, HW, ptr(phi) + (<usize>(i * Mphi) << 2), ptr(z1), ptr(wv));
    batchNormForwardEval(1, L, HW, ptr(wv), bnAt(bn, L, 4), bnAt(bn, L, 5), bnAt(bn, L, 6), bnAt(bn, L, 7), eps, ptr(z1), ptr(z));
    dcdProjectForward(1, Cout, L, B, HW, ptr(p), ptr(z), yi, 1, pws);
  }
  setGemmForceWide(false);

  let big: f32 = 0, diff: f32 = 0;
  for (let i = 0; i < n * Cout * HW; i++) {
    big = max(big, Mathf.abs(want[i]));
    diff = max(diff, Mathf.abs(y[i] - want[i]));
  }
  heap.free(ws); heap.free(bws); heap.free(pws); heap.free(plan); heap.free(sDesc); heap.free(qDesc);
  return diff / big;
}

describe("dcdEvalForward", () => {
  //                              Cin Cout H  L  B pool S  λ      forceWide
  it("equals the kernels called one by one: λ and Φ, 1 and 2 blocks, global and 2×2 pooling", () => {
    expect(evalForwardVsKernels(8, 10, 7, 4, 1, 1, 3, true, false)).toBeLessThan(2e-6);
    expect(evalForwardVsKernels(8, 12, 6, 4, 2, 2, 5, true, false)).toBeLessThan(2e-6);
  });
  it("Λ only (L = 0) and Φ only (λ = 1)", () => {
    expect(evalForwardVsKernels(6, 8, 5, 0, 1, 1, 2, true, false)).toBeLessThan(2e-6);
    expect(evalForwardVsKernels(8, 10, 7, 4, 2, 1, 3, false, false)).toBeLessThan(2e-6);
  });
  it("with W0 packed per call (wide tile forced, as the relaxed build's GEMMs)", () => {
    expect(evalForwardVsKernels(8, 10, 7, 4, 1, 1, 3, true, true)).toBeLessThan(2e-6);
    expect(evalForwardVsKernels(8, 12, 6, 4, 2, 2, 5, true, true)).toBeLessThan(2e-6);
  });
});
