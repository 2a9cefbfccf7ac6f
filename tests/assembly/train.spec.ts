// Training kernels (assembly/train): the SIMD body and the scalar tail apply the same update (bit for
// bit in the SIMD and scalar builds as-pect runs; the relaxed build fuses multiply-adds in the body),
// PyTorch's first-step momentum rule, AdamW's first step ≈ −lr·sign(g), f64 sums, fused losses.
import { sgdStep, adamwStep, sumSquares, scaleInPlace } from "../../assembly/train/optim";
import { crossEntropyForwardBackward, mseForwardBackward } from "../../assembly/train/loss";

function arr(values: f32[]): StaticArray<f32> {
  const a = new StaticArray<f32>(values.length);
  for (let i = 0; i < values.length; i++) a[i] = values[i];
  return a;
}
function ptr<T>(a: StaticArray<T>): usize {
  return changetype<usize>(a);
}
/** 5 values twice (n = 10): elements 0–7 run in the SIMD body, 8 and 9 in the tail; i and i + 5 share inputs. */
function twice(v: f32[]): StaticArray<f32> {
  const out: f32[] = [];
  for (let r = 0; r < 2; r++) for (let i = 0; i < v.length; i++) out.push(v[i]);
  return arr(out);
}

const P: f32[] = [0.5, -1.25, 2.0, 0.0, -0.75];
const G: f32[] = [0.1, 0.3, -0.2, 1.5, -0.01];

describe("sgdStep", () => {
  it("first step: buffer = g + wd·p; Nesterov update p − lr·(d + m·buf); body and tail agree", () => {
    const p = twice(P), g = twice(G), buf = new StaticArray<f32>(10);
    sgdStep(10, ptr(p), ptr(g), ptr(buf), -0.1, 0.9, 1.0, 0.01, 1, 1);
    for (let i = 0; i < 10; i++) {
      const d: f32 = G[i % 5] + <f32>0.01 * P[i % 5];
      expect(buf[i]).toBeCloseTo(d);
      expect(p[i]).toBeCloseTo(P[i % 5] - <f32>0.1 * (d + <f32>0.9 * d));
      expect(p[i]).toBe(p[i % 5]); // SIMD lane and scalar tail, same inputs
    }
  });
  it("later steps decay the buffer with momentum and dampening; no buffer = plain SGD", () => {
    const p = twice(P), g = twice(G), buf = twice([1, 1, 1, 1, 1]);
    sgdStep(10, ptr(p), ptr(g), ptr(buf), -0.1, 0.9, 0.5, 0, 0, 0);
    for (let i = 0; i < 10; i++) {
      expect(buf[i]).toBeCloseTo(<f32>0.9 + <f32>0.5 * G[i % 5]);
      expect(p[i]).toBeCloseTo(P[i % 5] - <f32>0.1 * buf[i]);
      expect(buf[i]).toBe(buf[i % 5]);
    }
    const q = twice(P);
    sgdStep(10, ptr(q), ptr(g), 0, -0.5, 0, 1, 0, 0, 0);
    for (let i = 0; i < 10; i++) expect(q[i]).toBeCloseTo(P[i % 5] - <f32>0.5 * G[i % 5]);
  });
});

describe("adamwStep", () => {
  it("first step moves every weight by ≈ lr against its gradient's sign (after decay); amsgrad keeps the max", () => {
    const p = twice(P), g = twice(G), m = new StaticArray<f32>(10), v = new StaticArray<f32>(10), vmax = twice([1, 0, 0, 0, 0]);
    // t = 1: negStepSize = −lr / (1 − β1), bc2Sqrt = sqrt(1 − β2)
    adamwStep(10, ptr(p), ptr(g), ptr(m), ptr(v), ptr(vmax), <f32>(1 - 0.01 * 0.1), 0.9, 0.1, 0.999, <f32>0.001,
      <f32>(-0.01 / 0.1), <f32>Math.sqrt(0.001), 1e-8);
    for (let i = 0; i < 10; i++) {
      const gi = G[i % 5];
      expect(m[i]).toBeCloseTo(<f32>0.1 * gi);
      expect(v[i]).toBeCloseTo(<f32>0.001 * gi * gi);
      expect(p[i]).toBe(p[i % 5]);
      if (i % 5 != 0) expect(p[i]).toBeCloseTo(P[i % 5] * <f32>0.999 - <f32>0.01 * (gi > 0 ? <f32>1 : <f32>-1));
    }
    expect(vmax[0]).toBe(1); // max(1, v): the denominator used 1, so the step is tiny
    expect(Mathf.abs(p[0] - P[0] * <f32>0.999)).toBeLessThan(<f32>0.001);
  });
});

describe("sumSquares / scaleInPlace", () => {
  it("sums squares in f64 over body and tail; NaN propagates; scales in place", () => {
    const x = arr([1, 2, 3, 4, 5, 6, 7]);
    expect(sumSquares(7, ptr(x))).toBe(140);
    expect(sumSquares(0, ptr(x))).toBe(0);
    x[6] = NaN;
    expect(isNaN(sumSquares(7, ptr(x)))).toBe(true);
    const y = arr([1, -2, 3, 4, 5]);
    scaleInPlace(5, ptr(y), 0.5);
    expect(y[1]).toBe(-1);
    expect(y[4]).toBe(2.5);
  });
});

describe("crossEntropyForwardBackward", () => {
  it("equal logits: loss = log C per row, grad = (1/C − target)·scale; labels or soft targets", () => {
    const logits = arr([2, 2, 2, 2, 2, -1, -1, -1, -1, -1]);
    const labels = new StaticArray<i32>(2);
    labels[0] = 3;
    labels[1] = 0;
    const grad = new StaticArray<f32>(10);
    const total = crossEntropyForwardBackward(2, 5, ptr(logits), ptr(labels), 0, 0, 0.5, ptr(grad));
    expect(total).toBeCloseTo(2 * Math.log(5));
    expect(grad[3]).toBeCloseTo(<f32>((0.2 - 1) * 0.5));
    expect(grad[4]).toBeCloseTo(<f32>(0.2 * 0.5));
    const soft = arr([0, 0, 0, 1, 0, 1, 0, 0, 0, 0]);
    const grad2 = new StaticArray<f32>(10);
    const total2 = crossEntropyForwardBackward(2, 5, ptr(logits), 0, ptr(soft), 0, 0.5, ptr(grad2));
    expect(total2).toBeCloseTo(total);
    for (let i = 0; i < 10; i++) expect(grad2[i]).toBeCloseTo(grad[i]);
  });
  it("label smoothing ε: loss = −Σ ((1 − ε)·onehot + ε/C)·logp; large logits stay finite", () => {
    const logits = arr([1000, 0, -1000]);
    const labels = new StaticArray<i32>(1);
    labels[0] = 0;
    const grad = new StaticArray<f32>(3);
    const total = crossEntropyForwardBackward(1, 3, ptr(logits), ptr(labels), 0, 0.3, 1, ptr(grad));
    // logp ≈ [0, −1000, −2000]: loss = 0.1·1000 + 0.1·2000
    expect(total).toBeCloseTo(300);
    expect(grad[0]).toBeCloseTo(<f32>(1 - 0.8));
    expect(grad[2]).toBeCloseTo(<f32>-0.1);
  });
});

describe("mseForwardBackward", () => {
  it("returns Σ (y − t)² and writes (y − t)·scale", () => {
    const y = arr([1, 2, 3, 4, 5]), t = arr([0, 0, 0, 0, 0]), grad = new StaticArray<f32>(5);
    expect(mseForwardBackward(5, ptr(y), ptr(t), 0.4, ptr(grad))).toBe(55);
    expect(grad[4]).toBeCloseTo(2);
  });
});
