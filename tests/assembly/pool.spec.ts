// Average-pool kernels: global mean and PyTorch's adaptive 2×2 bins (overlapping on odd sizes).
import {
  globalAvgPoolForward, globalAvgPoolBackward, adaptiveAvgPoolForward, adaptiveAvgPoolBackward,
} from "../../assembly/nn/pool";

function arr(values: f32[]): StaticArray<f32> {
  const a = new StaticArray<f32>(values.length);
  for (let i = 0; i < values.length; i++) a[i] = values[i];
  return a;
}

function zeros(n: i32): StaticArray<f32> {
  return new StaticArray<f32>(n);
}

function ptr(a: StaticArray<f32>): usize {
  return changetype<usize>(a);
}

function ramp(n: i32): StaticArray<f32> {
  const a = new StaticArray<f32>(n);
  for (let i = 0; i < n; i++) a[i] = <f32>i;
  return a;
}

describe("globalAvgPool", () => {
  it("averages each plane (length not a multiple of 4)", () => {
    const x = ramp(2 * 3 * 3); // N=1, C=2, 3×3 → planes 0..8 and 9..17
    const y = zeros(2);
    globalAvgPoolForward(1, 2, 3, 3, ptr(x), ptr(y));
    expect(y[0]).toBeCloseTo(4.0);
    expect(y[1]).toBeCloseTo(13.0);
  });

  it("spreads dy / (H·W) over every pixel of the plane", () => {
    const dy = arr([9.0, 18.0]);
    const dx = zeros(2 * 9);
    globalAvgPoolBackward(1, 2, 3, 3, ptr(dy), ptr(dx), 0);
    for (let i = 0; i < 9; i++) expect(dx[i]).toBeCloseTo(1.0);
    for (let i = 9; i < 18; i++) expect(dx[i]).toBeCloseTo(2.0);
  });

  it("accumulate adds dy / (H·W) to what dx held (planes of 9: vector body and tail)", () => {
    const dy = arr([9.0, 18.0]);
    const dx = ramp(2 * 9);
    globalAvgPoolBackward(1, 2, 3, 3, ptr(dy), ptr(dx), 1);
    for (let i = 0; i < 9; i++) expect(dx[i]).toBe(<f32>i + 1.0);
    for (let i = 9; i < 18; i++) expect(dx[i]).toBe(<f32>i + 2.0);
  });
});

describe("adaptiveAvgPool 2×2", () => {
  it("uses disjoint bins on even sizes", () => {
    const x = ramp(16); // 4×4
    const y = zeros(4);
    adaptiveAvgPoolForward(1, 1, 4, 4, 2, 2, ptr(x), ptr(y));
    expect(y[0]).toBeCloseTo(2.5);   // rows 0-1, cols 0-1: (0+1+4+5)/4
    expect(y[1]).toBeCloseTo(4.5);
    expect(y[2]).toBeCloseTo(10.5);
    expect(y[3]).toBeCloseTo(12.5);
  });

  it("uses overlapping bins on odd sizes, as PyTorch does", () => {
    const x = ramp(9); // 3×3: bins are rows/cols {0,1} and {1,2}
    const y = zeros(4);
    adaptiveAvgPoolForward(1, 1, 3, 3, 2, 2, ptr(x), ptr(y));
    expect(y[0]).toBeCloseTo(2.0);   // (0+1+3+4)/4
    expect(y[1]).toBeCloseTo(3.0);   // (1+2+4+5)/4
    expect(y[2]).toBeCloseTo(5.0);   // (3+4+6+7)/4
    expect(y[3]).toBeCloseTo(6.0);   // (4+5+7+8)/4
  });

  it("flattens channel-major: index c·4 + i·2 + j", () => {
    const x = zeros(2 * 4);
    for (let i = 4; i < 8; i++) x[i] = 7.0; // channel 1 of a 2×2 input is all 7
    const y = zeros(8);
    adaptiveAvgPoolForward(1, 2, 2, 2, 2, 2, ptr(x), ptr(y));
    for (let i = 0; i < 4; i++) expect(y[i]).toBeCloseTo(0.0);
    for (let i = 4; i < 8; i++) expect(y[i]).toBeCloseTo(7.0);
  });

  it("backward adds the shared pixels' contributions from overlapping bins", () => {
    const dy = arr([4.0, 8.0, 12.0, 16.0]);
    const dx = zeros(9);
    dx[0] = 123.0; // must be overwritten, not accumulated into
    adaptiveAvgPoolBackward(1, 1, 3, 3, 2, 2, ptr(dy), ptr(dx), 0);
    expect(dx[0]).toBeCloseTo(1.0);            // only bin (0,0)
    expect(dx[1]).toBeCloseTo(1.0 + 2.0);      // bins (0,0), (0,1)
    expect(dx[4]).toBeCloseTo(10.0);           // centre: all four bins, (4+8+12+16)/4
    expect(dx[8]).toBeCloseTo(4.0);            // only bin (1,1)
  });

  it("backward with accumulate adds the same contributions to what dx held", () => {
    const dy = arr([4.0, 8.0, 12.0, 16.0]);
    const dx = ramp(9);
    adaptiveAvgPoolBackward(1, 1, 3, 3, 2, 2, ptr(dy), ptr(dx), 1);
    expect(dx[0]).toBe(0.0 + 1.0);
    expect(dx[1]).toBe(1.0 + 1.0 + 2.0);
    expect(dx[4]).toBe(4.0 + 1.0 + 2.0 + 3.0 + 4.0);
    expect(dx[8]).toBe(8.0 + 4.0);
  });

  it("backward is the adjoint of forward on a 5×7 input", () => {
    const x = zeros(35);
    for (let i = 0; i < 35; i++) x[i] = <f32>Math.sin(<f64>i * 1.3);
    const dy = arr([0.5, -1.0, 2.0, 0.25]);
    const y = zeros(4);
    const dx = zeros(35);
    adaptiveAvgPoolForward(1, 1, 5, 7, 2, 2, ptr(x), ptr(y));
    adaptiveAvgPoolBackward(1, 1, 5, 7, 2, 2, ptr(dy), ptr(dx), 0);
    let lhs: f32 = 0, rhs: f32 = 0;
    for (let i = 0; i < 4; i++) lhs += y[i] * dy[i];
    for (let i = 0; i < 35; i++) rhs += x[i] * dx[i];
    expect(lhs).toBeCloseTo(rhs);
  });
});

// The naive bins of PyTorch's AdaptiveAvgPool2d, in f64: row i spans ⌊i·H/OH⌋ … ⌈(i+1)·H/OH⌉ − 1.
function binLo(i: i32, size: i32, bins: i32): i32 { return (i * size) / bins; }
function binHi(i: i32, size: i32, bins: i32): i32 { return ((i + 1) * size + bins - 1) / bins; }

// (H, W, OH) — W: whole chunks (4, 8, 28), chunks + a tail (5, 6, 7, 13, 14), odd (overlapping) and even; OH 1–3
function twoColumnShapes(): i32[][] {
  return [[28, 28, 2], [14, 14, 2], [7, 7, 2], [9, 6, 2], [5, 13, 2], [4, 4, 2], [3, 5, 3], [6, 8, 1], [1, 7, 1]];
}

describe("adaptiveAvgPool, two bin columns on whole rows (the SIMD path: W ≥ 4)", () => {
  it("forward equals the naive bin means", () => {
    const shapes = twoColumnShapes();
    for (let s = 0; s < shapes.length; s++) {
      const H = shapes[s][0], W = shapes[s][1], OH = shapes[s][2], C = 3;
      const x = zeros(C * H * W);
      for (let i = 0; i < C * H * W; i++) x[i] = <f32>Math.sin(<f64>i * 0.37) + <f32>(i % 5);
      const y = zeros(C * OH * 2);
      adaptiveAvgPoolForward(1, C, H, W, OH, 2, ptr(x), ptr(y));
      for (let c = 0; c < C; c++) for (let i = 0; i < OH; i++) for (let j = 0; j < 2; j++) {
        let sum: f64 = 0;
        const h0 = binLo(i, H, OH), h1 = binHi(i, H, OH), w0 = binLo(j, W, 2), w1 = binHi(j, W, 2);
        for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) sum += <f64>x[(c * H + h) * W + w];
        const want = sum / <f64>((h1 - h0) * (w1 - w0));
        expect(Math.abs(<f64>y[(c * OH + i) * 2 + j] - want)).toBeLessThan(1e-5 * (1.0 + Math.abs(want)));
      }
    }
  });

  it("backward overwrites (or adds to) dx with every covering bin's share", () => {
    const shapes = twoColumnShapes();
    for (let s = 0; s < shapes.length; s++) {
      const H = shapes[s][0], W = shapes[s][1], OH = shapes[s][2], C = 2;
      const dy = zeros(C * OH * 2);
      for (let i = 0; i < C * OH * 2; i++) dy[i] = <f32>(i + 1) * 0.75 - 2.0;
      for (let accumulate = 0; accumulate < 2; accumulate++) {
        const dx = zeros(C * H * W);
        for (let i = 0; i < C * H * W; i++) dx[i] = <f32>(i % 7) - 3.0;
        adaptiveAvgPoolBackward(1, C, H, W, OH, 2, ptr(dy), ptr(dx), accumulate);
        for (let c = 0; c < C; c++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) {
          let want: f64 = accumulate ? <f64>(((c * H + h) * W + w) % 7) - 3.0 : 0;
          for (let i = 0; i < OH; i++) for (let j = 0; j < 2; j++) {
            const h0 = binLo(i, H, OH), h1 = binHi(i, H, OH), w0 = binLo(j, W, 2), w1 = binHi(j, W, 2);
            if (h >= h0 && h < h1 && w >= w0 && w < w1) want += <f64>dy[(c * OH + i) * 2 + j] / <f64>((h1 - h0) * (w1 - w0));
          }
          expect(Math.abs(<f64>dx[(c * H + h) * W + w] - want)).toBeLessThan(1e-5 * (1.0 + Math.abs(want)));
        }
      }
    }
  });
});
