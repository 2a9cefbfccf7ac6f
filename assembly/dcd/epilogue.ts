// The fused output of a DCD layer in an inference plan: y = clamp(y + postBias[c] + residual, lo, hi),
// one pass over y, so a BatchNorm after the layer (folded into W0, b0 and P, its shift here), the
// residual add and the ReLU cost one pass instead of three passes and two allocations.
// In dcdEvalForward it runs per sample right after the sample's y is complete (still in cache).
import { clampNeeded } from "../gemm/epilogue";

/** One sample: C channels of hw values at y; bias (C) and res (C·hw) may be 0 (absent). In place. */
export function dcdOutputEpilogueSample(C: i32, hw: i32, y: usize, bias: usize, res: usize, lo: f32, hi: f32): void {
  const clampOn = clampNeeded(lo, hi);
  for (let c = 0; c < C; c++) {
    const row = <usize>c * hw << 2;
    const b: f32 = bias != 0 ? load<f32>(bias + (<usize>c << 2)) : 0;
    let i = 0;
    if (ASC_FEATURE_SIMD) {
      const vb = f32x4.splat(b), vlo = f32x4.splat(lo), vhi = f32x4.splat(hi);
      for (; i + 4 <= hw; i += 4) {
        const o = row + (<usize>i << 2);
        let v = v128.load(y + o);
        if (bias != 0) v = f32x4.add(v, vb);
        if (res != 0) v = f32x4.add(v, v128.load(res + o));
        if (clampOn) v = f32x4.min(f32x4.max(v, vlo), vhi);
        v128.store(y + o, v);
      }
    }
    for (; i < hw; i++) {
      const o = row + (<usize>i << 2);
      let v = load<f32>(y + o);
      if (bias != 0) v += b;
      if (res != 0) v += load<f32>(res + o);
      if (clampOn) v = min<f32>(max<f32>(v, lo), hi);
      store<f32>(y + o, v);
    }
  }
}

/** All N samples (the eval paths that do not run sample by sample). */
export function dcdOutputEpilogue(N: i32, C: i32, hw: i32, y: usize, bias: usize, res: usize, lo: f32, hi: f32): void {
  const step = <usize>C * hw << 2;
  for (let n = 0; n < N; n++) {
    dcdOutputEpilogueSample(C, hw, y + <usize>n * step, bias, res != 0 ? res + <usize>n * step : 0, lo, hi);
  }
}
