// Dynamic-convolution kernels: kernel aggregation, softmax with temperature, and the per-sample conv
// (a 1×1 case small enough to check by hand), including ∂π = ⟨∂W(x), W_k⟩ + ⟨∂b(x), b_k⟩.
import {
  aggregateFlipped, aggregateFlippedSamples, aggregateKernels, aggregateSamples, axpy, dot, dotAxpyKernels, dotAxpySamples,
} from "../../assembly/dynamic/vector";
import { dcdFlipConvWeights } from "../../assembly/dcd/flip";
import { dynamicConv2dBackward, dynamicConv2dForward, dynamicConv2dWorkspaceBytes } from "../../assembly/dynamic/conv";
import { softmaxBackward, softmaxForward } from "../../assembly/nn/softmax";
import { conv2dBackwardData } from "../../assembly/conv/conv2d_backward";
import { conv2dWorkspaceBytes } from "../../assembly/conv/conv2d_forward";

function arr(values: f32[]): StaticArray<f32> {
  const a = new StaticArray<f32>(values.length);
  for (let i = 0; i < values.length; i++) a[i] = values[i];
  return a;
}
const ptr = (a: StaticArray<f32>): usize => changetype<usize>(a);
const zeros = (n: i32): StaticArray<f32> => new StaticArray<f32>(n);

/** conv descriptor: N C H W K KH KW SH SW PH PW DH DW G OH OW */
function desc(n: i32, c: i32, h: i32, w: i32, k: i32): StaticArray<i32> {
  const d = new StaticArray<i32>(16);
  const v: i32[] = [n, c, h, w, k, 1, 1, 1, 1, 0, 0, 1, 1, 1, h, w];
  for (let i = 0; i < 16; i++) d[i] = v[i];
  return d;
}

describe("aggregateKernels", () => {
  it("sums π-weighted kernels over a length that is not a multiple of 4", () => {
    const src = arr([1, 2, 3, 4, 5, 10, 20, 30, 40, 50]); // K = 2 kernels of 5
    const dst = arr([9, 9, 9, 9, 9]);                      // overwritten
    aggregateKernels(2, ptr(arr([0.5, 0.1])), ptr(src), 5, ptr(dst));
    for (let i = 0; i < 5; i++) expect(dst[i]).toBeCloseTo(<f32>(i + 1) * 1.5);
    expect(dot(ptr(src), ptr(src), 5)).toBeCloseTo(55.0);
  });
});

/** Deterministic pseudo-random floats in [−1, 1). */
function noise(n: i32, seed: i32): StaticArray<f32> {
  const a = new StaticArray<f32>(n);
  let s = <u32>seed * 2654435761 + 1;
  for (let i = 0; i < n; i++) {
    s = s * 1664525 + 1013904223;
    a[i] = <f32>(s >> 8) / <f32>(1 << 23) - 1;
  }
  return a;
}

describe("aggregateSamples / dotAxpyKernels (same bits as K axpys and dot + axpy)", () => {
  it("S = 3 samples, K = 6 kernels (two groups of ≤ 4), length 11 (SIMD body + tail)", () => {
    const K = 6, S = 3, len = 11;
    const src = noise(K * len, 1), coef = noise(S * K, 2);
    const dst = zeros(S * 16);                   // dst stride 16 floats
    aggregateSamples(K, S, ptr(coef), <usize>K << 2, ptr(src), len, ptr(dst), 16 << 2);
    for (let s = 0; s < S; s++) {
      const ref = zeros(len);
      for (let k = 0; k < K; k++) axpy(coef[s * K + k], ptr(src) + (<usize>(k * len) << 2), ptr(ref), len);
      for (let i = 0; i < len; i++) expect(dst[s * 16 + i]).toBe(ref[i]);
    }
  });

  it("fused ⟨W_k, ∂W⟩ and ∂W_k (+)= π_k ∂W, first and later samples", () => {
    const K = 5, len = 13;
    const w = noise(K * len, 3), d = noise(len, 4), coef = noise(K, 5);
    const g = noise(K * len, 6), ref = zeros(K * len), out = zeros(K);
    for (let i = 0; i < K * len; i++) ref[i] = g[i];
    dotAxpyKernels(K, ptr(coef), ptr(w), ptr(d), len, ptr(g), false, ptr(out));
    for (let k = 0; k < K; k++) {
      const wk = ptr(w) + (<usize>(k * len) << 2), rk = ptr(ref) + (<usize>(k * len) << 2);
      expect(out[k]).toBe(dot(wk, ptr(d), len));
      axpy(coef[k], ptr(d), rk, len);
    }
    for (let i = 0; i < K * len; i++) expect(g[i]).toBe(ref[i]);
    dotAxpyKernels(K, ptr(coef), ptr(w), ptr(d), len, ptr(g), true, ptr(out)); // overwrites
    for (let k = 0; k < K; k++) {
      for (let i = 0; i < len; i++) expect(g[k * len + i]).toBe(coef[k] * d[i]);
    }
  });
});

describe("softmax with temperature", () => {
  it("softmax(z / τ) per row, rows sum to 1", () => {
    const z = arr([0, <f32>Math.log(3.0), 5, 5]);
    const p = zeros(4);
    softmaxForward(2, 2, 1.0, ptr(z), ptr(p));
    expect(p[0]).toBeCloseTo(0.25);
    expect(p[1]).toBeCloseTo(0.75);
    expect(p[2]).toBeCloseTo(0.5);
    softmaxForward(1, 2, 0.5, ptr(z), ptr(p)); // τ = 2: exp(log 3 / 2) = √3
    expect(p[1]).toBeCloseTo(<f32>(Math.sqrt(3.0) / (1.0 + Math.sqrt(3.0))));
  });

  it("backward: dz = p (dp − ⟨dp, p⟩) / τ, which sums to 0", () => {
    const p = arr([0.25, 0.75]);
    const dz = zeros(2);
    softmaxBackward(1, 2, 0.5, ptr(p), ptr(arr([1, 3])), ptr(dz));
    // ⟨dp, p⟩ = 2.5; dz = 0.5 · [0.25 · −1.5, 0.75 · 0.5]
    expect(dz[0]).toBeCloseTo(-0.1875);
    expect(dz[1]).toBeCloseTo(0.1875);
  });
});

// W_0 = 1, W_1 = 3, b_0 = 0, b_1 = 1; π_0 = [0.5, 0.5], π_1 = [1, 0] → W(x_0) = 2, b = 0.5; W(x_1) = 1, b = 0.
// (module-level: AssemblyScript closures cannot capture locals)
const p = desc(2, 1, 1, 2, 1);
const x = arr([1, 2, 3, 4]);
const pi = arr([0.5, 0.5, 1, 0]);
const weight = arr([1, 3]);
const bias = arr([0, 1]);

describe("dynamicConv2d (1×1, N = 2, C = 1, Cout = 1, K = 2)", () => {

  it("forward aggregates per sample", () => {
    const y = zeros(4);
    const ws = new StaticArray<u8>(<i32>dynamicConv2dWorkspaceBytes(changetype<usize>(p), 2, 0) + 64);
    dynamicConv2dForward(changetype<usize>(p), 2, ptr(x), ptr(pi), ptr(weight), ptr(bias), ptr(y), changetype<usize>(ws));
    expect(y[0]).toBeCloseTo(2.5);
    expect(y[1]).toBeCloseTo(4.5);
    expect(y[2]).toBeCloseTo(3.0);
    expect(y[3]).toBeCloseTo(4.0);
  });

  it("backward gives dx, dW_k = Σ π ∂W, db_k and ∂π", () => {
    const dy = arr([1, 1, 1, 2]);
    const dx = zeros(4), dw = zeros(2), db = zeros(2), dpi = zeros(4);
    const ws = new StaticArray<u8>(<i32>dynamicConv2dWorkspaceBytes(changetype<usize>(p), 2, 1) + 64);
    dynamicConv2dBackward(changetype<usize>(p), 2, ptr(x), ptr(pi), ptr(weight), ptr(bias), ptr(dy),
      ptr(dx), ptr(dw), ptr(db), ptr(dpi), changetype<usize>(ws));
    // sample 0: ∂W = 1·1 + 2·1 = 3, ∂b = 2, dx = 2·dy; sample 1: ∂W = 3 + 8 = 11, ∂b = 3, dx = 1·dy
    expect(dx[0]).toBeCloseTo(2.0);
    expect(dx[3]).toBeCloseTo(2.0);
    expect(dpi[0]).toBeCloseTo(3.0 * 1 + 2.0 * 0);   // ⟨∂W, W_0⟩ + ⟨∂b, b_0⟩
    expect(dpi[1]).toBeCloseTo(3.0 * 3 + 2.0 * 1);
    expect(dpi[2]).toBeCloseTo(11.0);
    expect(dpi[3]).toBeCloseTo(33.0 + 3.0);
    expect(dw[0]).toBeCloseTo(0.5 * 3 + 1 * 11);
    expect(dw[1]).toBeCloseTo(0.5 * 3);
    expect(db[0]).toBeCloseTo(0.5 * 2 + 1 * 3);
    expect(db[1]).toBeCloseTo(0.5 * 2);
  });
});

// N = 5 samples (more than one aggregation pass of ≤ 4), C = 1, Cout = 2, K = 3, 1×1 on 1×1 images:
// y[n, o] = Σ_k π_nk (W_k[o] · x_n + b_k[o]).
const p5 = desc(5, 1, 1, 1, 2);
const x5 = arr([1, -2, 3, 0.5, 4]);
const pi5 = noise(15, 7);
const w5 = noise(6, 8);
const b5 = noise(6, 9);

describe("dynamicConv2d forward, N = 5 (aggregation passes of several samples)", () => {
  it("matches the per-sample formula", () => {
    const y = zeros(10);
    const ws = new StaticArray<u8>(<i32>dynamicConv2dWorkspaceBytes(changetype<usize>(p5), 3, 0) + 64);
    dynamicConv2dForward(changetype<usize>(p5), 3, ptr(x5), ptr(pi5), ptr(w5), ptr(b5), ptr(y), changetype<usize>(ws));
    for (let n = 0; n < 5; n++) {
      for (let o = 0; o < 2; o++) {
        let wsum: f32 = 0, bsum: f32 = 0;
        for (let k = 0; k < 3; k++) {
          wsum += pi5[n * 3 + k] * w5[k * 2 + o];
          bsum += pi5[n * 3 + k] * b5[k * 2 + o];
        }
        expect(y[n * 2 + o]).toBeCloseTo(wsum * x5[n] + bsum);
      }
    }
  });
});

// dx through the flipped-kernel forward conv (stride 1, k×k) vs conv2dBackwardData with W(x_n):
// 3×3, N = 2, C = 4, Cout = 6, G = 2, K = 3 on 5×4 images; pad 1 dilation 1, and pad 1 dilation 2.
function convDesc(n: i32, c: i32, h: i32, w: i32, k: i32, kh: i32, ph: i32, dil: i32, g: i32): StaticArray<i32> {
  const d = new StaticArray<i32>(16);
  const oh = h + 2 * ph - dil * (kh - 1), ow = w + 2 * ph - dil * (kh - 1);
  const v: i32[] = [n, c, h, w, k, kh, kh, 1, 1, ph, ph, dil, dil, g, oh, ow];
  for (let i = 0; i < 16; i++) d[i] = v[i];
  return d;
}

function checkFlippedDx(dil: i32): void {
  const N = 2, C = 4, H = 5, W = 4, CO = 6, KS = 3, G = 2, K = 3;
  const pd = convDesc(N, C, H, W, CO, KS, 1, dil, G);
  const p1 = convDesc(1, C, H, W, CO, KS, 1, dil, G);
  const OH = pd[14], OW = pd[15];
  const wLen = CO * (C / G) * KS * KS;
  const xs = noise(N * C * H * W, 21), pis = noise(N * K, 22), ws = noise(K * wLen, 23), dys = noise(N * CO * OH * OW, 24);
  const dx = zeros(N * C * H * W), dw = zeros(K * wLen), dpi = zeros(N * K);
  const work = new StaticArray<u8>(<i32>dynamicConv2dWorkspaceBytes(changetype<usize>(pd), K, 1) + 64);
  dynamicConv2dBackward(changetype<usize>(pd), K, ptr(xs), ptr(pis), ptr(ws), 0, ptr(dys),
    ptr(dx), ptr(dw), 0, ptr(dpi), changetype<usize>(work));
  const wn = zeros(wLen), ref = zeros(C * H * W);
  const refWs = new StaticArray<u8>(<i32>max(conv2dWorkspaceBytes(changetype<usize>(p1), 1), 16) + 64);
  for (let n = 0; n < N; n++) {
    aggregateKernels(K, ptr(pis) + (<usize>(n * K) << 2), ptr(ws), wLen, ptr(wn));
    conv2dBackwardData(changetype<usize>(p1), ptr(dys) + (<usize>(n * CO * OH * OW) << 2), ptr(wn), ptr(ref), 0, changetype<usize>(refWs));
    for (let i = 0; i < C * H * W; i++) expect(dx[n * C * H * W + i]).toBeCloseTo(ref[i], 5);
  }
}

describe("dynamicConv2d backward data as a forward conv of the flipped kernel", () => {
  it("3×3 pad 1, groups 2", () => { checkFlippedDx(1); });
  it("3×3 pad 1 dilation 2, groups 2", () => { checkFlippedDx(2); });
});

function checkAggregateFlipped(K: i32, cout: i32, cin: i32, G: i32, KH: i32, KW: i32): void {
  const len = cout * (cin / G) * KH * KW;
  const src = noise(K * len, 31 + KH), coef = noise(K, 32 + KW);
  const direct = zeros(len), agg = zeros(len), ref = zeros(len);
  aggregateFlipped(K, ptr(coef), ptr(src), cout, cin, G, KH, KW, ptr(direct));
  aggregateKernels(K, ptr(coef), ptr(src), len, ptr(agg));
  dcdFlipConvWeights(cout, cin, G, KH, KW, ptr(agg), ptr(ref));
  for (let i = 0; i < len; i++) expect(direct[i]).toBe(ref[i]);
}

describe("aggregateFlipped (= dcdFlipConvWeights ∘ aggregateKernels, same bits)", () => {
  it("3×3, K = 4, 6→4, groups 2", () => { checkAggregateFlipped(4, 6, 4, 2, 3, 3); });
  it("5×5, K = 3, 3→5", () => { checkAggregateFlipped(3, 5, 3, 1, 5, 5); });
  it("1×2 (fewer taps than a vector), K = 5, 4→4, groups 4", () => { checkAggregateFlipped(5, 4, 4, 4, 1, 2); });
});

describe("several samples per pass (same bits as one sample at a time)", () => {
  it("dotAxpySamples, S = 1..4, K = 3, length 10", () => {
    const K = 3, len = 10;
    const w = noise(K * len, 41), d = noise(4 * len, 42), coef = noise(4 * K, 43);
    for (let S = 1; S <= 4; S++) {
      const g = noise(K * len, 44), ref = zeros(K * len), out = zeros(4 * K), refOut = zeros(K);
      for (let i = 0; i < K * len; i++) ref[i] = g[i];
      dotAxpySamples(K, S, ptr(coef), <usize>K << 2, ptr(w), ptr(d), <usize>len << 2, len, ptr(g), false, ptr(out), <usize>K << 2);
      for (let s = 0; s < S; s++) {
        dotAxpyKernels(K, ptr(coef) + (<usize>(s * K) << 2), ptr(w), ptr(d) + (<usize>(s * len) << 2), len, ptr(ref), false, ptr(refOut));
        for (let k = 0; k < K; k++) expect(out[s * K + k]).toBe(refOut[k]);
      }
      for (let i = 0; i < K * len; i++) expect(g[i]).toBe(ref[i]);
    }
  });

  it("aggregateFlippedSamples, S = 3, 3×3, groups 2", () => {
    const K = 4, S = 3, cout = 6, cin = 4, G = 2, len = cout * (cin / G) * 9;
    const src = noise(K * len, 45), coef = noise(S * K, 46);
    const dst = zeros(S * len), one = zeros(len);
    aggregateFlippedSamples(K, S, ptr(coef), <usize>K << 2, ptr(src), cout, cin, G, 3, 3, ptr(dst), <usize>len << 2);
    for (let s = 0; s < S; s++) {
      aggregateFlipped(K, ptr(coef) + (<usize>(s * K) << 2), ptr(src), cout, cin, G, 3, 3, ptr(one));
      for (let i = 0; i < len; i++) expect(dst[s * len + i]).toBe(one[i]);
    }
  });
});
