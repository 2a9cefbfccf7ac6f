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
