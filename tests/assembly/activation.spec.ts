// Activations: Hsig = relu6(t+3)/3 (range [0, 2]), ReLU, ReLU6, sigmoid, and PyTorch's backward masks.
import {
  hsigForward, hsigBackward, reluForward, reluBackward, relu6Forward, relu6Backward, sigmoidForward, sigmoidBackward,
} from "../../assembly/nn/activation";

function arr(values: f32[]): StaticArray<f32> {
  const a = new StaticArray<f32>(values.length);
  for (let i = 0; i < values.length; i++) a[i] = values[i];
  return a;
}
function ptr(a: StaticArray<f32>): usize {
  return changetype<usize>(a);
}

// 7 values: one f32x4 block plus a scalar tail
const T: f32[] = [-4.0, -3.0, 0.0, 1.5, 3.0, 4.0, -1.5];

describe("hsig", () => {
  it("is relu6(t + 3) / 3: 0 below -3, 1 at 0, 2 above 3", () => {
    const y = new StaticArray<f32>(7);
    hsigForward(7, ptr(arr(T)), ptr(y));
    const want: f32[] = [0, 0, 1, 1.5, 2, 2, 0.5];
    for (let i = 0; i < 7; i++) expect(y[i]).toBeCloseTo(want[i]);
  });
  it("passes dy / 3 only strictly inside (-3, 3)", () => {
    const dx = new StaticArray<f32>(7);
    hsigBackward(7, ptr(arr(T)), ptr(arr([3, 3, 3, 3, 3, 3, 3])), ptr(dx));
    const want: f32[] = [0, 0, 1, 1, 0, 0, 1];
    for (let i = 0; i < 7; i++) expect(dx[i]).toBe(want[i]);
  });
});

describe("relu / relu6", () => {
  it("clamps and masks like PyTorch", () => {
    const x = arr([-1, 0, 2, 6, 7, 5.5, -0.5]);
    const y = new StaticArray<f32>(7), y6 = new StaticArray<f32>(7), d = new StaticArray<f32>(7), d6 = new StaticArray<f32>(7);
    const ones = arr([1, 1, 1, 1, 1, 1, 1]);
    reluForward(7, ptr(x), ptr(y));
    relu6Forward(7, ptr(x), ptr(y6));
    reluBackward(7, ptr(x), ptr(ones), ptr(d));
    relu6Backward(7, ptr(x), ptr(ones), ptr(d6));
    const wy: f32[] = [0, 0, 2, 6, 7, 5.5, 0], wy6: f32[] = [0, 0, 2, 6, 6, 5.5, 0];
    const wd: f32[] = [0, 0, 1, 1, 1, 1, 0], wd6: f32[] = [0, 0, 1, 0, 0, 1, 0];
    for (let i = 0; i < 7; i++) {
      expect(y[i]).toBe(wy[i]);
      expect(y6[i]).toBe(wy6[i]);
      expect(d[i]).toBe(wd[i]);
      expect(d6[i]).toBe(wd6[i]);
    }
  });
});

describe("sigmoid", () => {
  it("matches 1 / (1 + e^-t) to float precision, including large |t|", () => {
    const x = arr([-30, -5, -0.5, 0, 0.5, 5, 30]);
    const y = new StaticArray<f32>(7);
    sigmoidForward(7, ptr(x), ptr(y));
    for (let i = 0; i < 7; i++) {
      const want = 1.0 / (1.0 + Math.exp(-<f64>x[i]));
      expect(Math.abs(<f64>y[i] - want)).toBeLessThanOrEqual(want * 4e-7 + 1e-30);
    }
  });
  it("backward is dy · y · (1 − y) from the output", () => {
    const y = arr([0.5, 0.25, 0.75, 0.1, 0.9]);
    const dx = new StaticArray<f32>(5);
    sigmoidBackward(5, ptr(y), ptr(arr([2, 2, 2, 2, 2])), ptr(dx));
    for (let i = 0; i < 5; i++) expect(dx[i]).toBeCloseTo(2 * y[i] * (1 - y[i]));
  });
});
