// Kernels of the network-pieces op group: dropout's hash mask (SIMD body = scalar definition), max
// pool's first-max / NaN rules and its SIMD windows, avg pool's divisors, log-softmax, fused BN+ReLU.
import { dropoutApply } from "../../assembly/nn/dropout";
import { maxPool2dForward, maxPool2dBackward } from "../../assembly/nn/maxpool";
import { avgPool2dForward } from "../../assembly/nn/avgpool";
import { logSoftmaxForward } from "../../assembly/nn/logsoftmax";
import { batchNormForwardEvalFused } from "../../assembly/nn/batchnorm";

function ptr<T>(a: StaticArray<T>): usize {
  return changetype<usize>(a);
}
function ramp(n: i32, scale: f32): StaticArray<f32> {
  const a = new StaticArray<f32>(n);
  for (let i = 0; i < n; i++) a[i] = <f32>Math.sin(<f64>i * 0.7) * scale;
  return a;
}
/** The pool descriptor: N C H W KH KW SH SW PH PW DH DW OH OW countIncludePad 0. */
function desc(v: i32[]): StaticArray<i32> {
  const a = new StaticArray<i32>(16);
  for (let i = 0; i < v.length; i++) a[i] = v[i];
  return a;
}

/** ops/nn_hash.ts's definition, written out element by element. */
function fmix(a: u32): u32 {
  a ^= a >>> 16; a *= 0x85ebca6b; a ^= a >>> 13; a *= 0xc2b2ae35; a ^= a >>> 16;
  return a;
}
function unitOf(seed: u32, i: u32): f64 {
  return <f64>(fmix(seed ^ fmix(i + 0x9e3779b9)) >>> 8) / 16777216.0;
}

describe("dropoutApply", () => {
  it("keeps exactly the elements with unit(seed, i) >= p, scaled (SIMD body and scalar tail)", () => {
    const n = 103;
    const x = ramp(n, 3);
    const y = new StaticArray<f32>(n);
    const p: f64 = 0.35;
    const scale = <f32>(<f32>1.0 / <f32>(1.0 - p));
    dropoutApply(n, ptr(x), ptr(y), p, scale, 0xdeadbeef);
    for (let i = 0; i < n; i++) {
      const keep = unitOf(0xdeadbeef, i) >= p;
      expect(y[i]).toBe(x[i] * (keep ? scale : <f32>0));
    }
  });
});

describe("maxPool2d", () => {
  it("routes the gradient to the first maximum; NaN wins", () => {
    const x = new StaticArray<f32>(4);
    x[0] = 2; x[1] = 2; x[2] = 1; x[3] = 2;
    const p = desc([1, 1, 2, 2, 2, 2, 2, 2, 0, 0, 1, 1, 1, 1]);
    const dy = new StaticArray<f32>(1);
    dy[0] = 5;
    const dx = new StaticArray<f32>(4);
    maxPool2dBackward(ptr(p), ptr(x), ptr(dy), ptr(dx));
    expect(dx[0]).toBe(5);
    expect(dx[1]).toBe(0);
    x[2] = NaN;
    const y = new StaticArray<f32>(1);
    maxPool2dForward(ptr(p), ptr(x), ptr(y));
    expect(isNaN(y[0])).toBe(true);
  });

  it("SIMD windows (stride 1 and 2) equal a direct max over each window", () => {
    const H = 7, W = 23;
    const x = ramp(H * W, 5);
    for (let s = 1; s <= 2; s++) {
      const OW = (W + 2 - 3) / s + 1, OH = (H + 2 - 3) / s + 1;
      const p = desc([1, 1, H, W, 3, 3, s, s, 1, 1, 1, 1, OH, OW]);
      const y = new StaticArray<f32>(OH * OW);
      maxPool2dForward(ptr(p), ptr(x), ptr(y));
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          let best: f32 = -Infinity;
          for (let ih = oh * s - 1; ih < oh * s + 2; ih++) {
            for (let iw = ow * s - 1; iw < ow * s + 2; iw++) {
              if (ih >= 0 && ih < H && iw >= 0 && iw < W) best = max(best, x[ih * W + iw]);
            }
          }
          expect(y[oh * OW + ow]).toBe(best);
        }
      }
    }
  });
});

describe("avgPool2d", () => {
  it("divides by the padded window (countIncludePad) or by the valid pixels", () => {
    const x = new StaticArray<f32>(4);
    x[0] = 1; x[1] = 2; x[2] = 3; x[3] = 4;
    const y = new StaticArray<f32>(4);
    // 2×2 input, k2 s1 p1 → 3×3 output; corner window holds one pixel of four
    avgPool2dForward(ptr(desc([1, 1, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 3, 3, 1])), ptr(x), ptr(y));
    expect(y[0]).toBeCloseTo(0.25);
    avgPool2dForward(ptr(desc([1, 1, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 3, 3, 0])), ptr(x), ptr(y));
    expect(y[0]).toBeCloseTo(1.0);
  });
});

describe("logSoftmaxForward", () => {
  it("gives rows whose exponentials sum to 1, stable for large logits", () => {
    const K = 9;
    const x = ramp(2 * K, 4);
    x[3] = 80; // e^80 overflows f32 without the max shift
    const y = new StaticArray<f32>(2 * K);
    logSoftmaxForward(2, K, ptr(x), ptr(y));
    for (let r = 0; r < 2; r++) {
      let s: f64 = 0;
      for (let j = 0; j < K; j++) s += Math.exp(<f64>y[r * K + j]);
      expect(s).toBeCloseTo(1.0, 5);
    }
    expect(y[3]).toBeCloseTo(0.0, 5);
  });
});

describe("batchNormForwardEvalFused", () => {
  it("adds the residual, then clamps at 0", () => {
    const x = new StaticArray<f32>(6);
    const res = new StaticArray<f32>(6);
    for (let i = 0; i < 6; i++) {
      x[i] = <f32>i - 3;
      res[i] = 0.5;
    }
    const one = new StaticArray<f32>(1);
    one[0] = 1;
    const zero = new StaticArray<f32>(1);
    const y = new StaticArray<f32>(6);
    batchNormForwardEvalFused(6, 1, 1, ptr(x), 0, 0, ptr(zero), ptr(one), 0, ptr(res), 1, ptr(y));
    for (let i = 0; i < 6; i++) expect(y[i]).toBe(max<f32>(<f32>i - 3 + 0.5, 0));
  });
});
