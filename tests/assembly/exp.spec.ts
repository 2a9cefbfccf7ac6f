// expf (assembly/nn/exp.ts): the table-free e^x every build uses, against f64 Math.exp rounded to f32.
import { expf } from "../../assembly/nn/exp";

/** Distance in units in the last place between two finite f32 of the same sign. */
function ulps(a: f32, b: f32): i32 {
  return abs<i32>(reinterpret<i32>(a) - reinterpret<i32>(b));
}

describe("expf", () => {
  it("is within 1 ulp of e^x over the whole finite range, normal and subnormal results", () => {
    let worst = 0;
    for (let x: f64 = -103.9; x < 88.72; x += 0.0137) {
      const xf = <f32>x;
      const got = expf(xf), want = <f32>Math.exp(<f64>xf);
      worst = max(worst, ulps(got, want));
    }
    expect(worst).toBeLessThanOrEqual(1);
  });
  it("is exact where e^x is (0 → 1) and saturates like Mathf.exp", () => {
    expect(expf(0)).toBe(1);
    expect(expf(-0.0)).toBe(1);
    expect(expf(<f32>Infinity)).toBe(<f32>Infinity);
    expect(expf(<f32>-Infinity)).toBe(0);
    expect(isNaN(expf(<f32>NaN))).toBe(true);
    expect(isFinite(expf(88.72))).toBe(true);
    expect(expf(88.73)).toBe(<f32>Infinity);
    expect(expf(-103.9)).toBeGreaterThan(0); // subnormal, not flushed
    expect(expf(-104.5)).toBe(0);
  });
});
