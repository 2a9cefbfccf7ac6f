// conv2dForward / conv2dForwardScaled against the definition (naive f64 loops in this file).

import {
  conv2dForward, conv2dForwardScaled, conv2dForwardScaledWorkspaceBytes, conv2dWorkspaceBytes,
} from "../../assembly/conv/conv2d_forward";
import { conv2dBackwardDataWorkspaceBytes, conv2dBackwardWeightWorkspaceBytes } from "../../assembly/conv/conv2d_backward";
import { allocFilled, at, descriptor, mismatch, reseed } from "./kernel_data";

reseed(424242);

/**
 * Builds one problem, runs the kernel (scaled when `scaled`), and returns the number of outputs
 * off the definition y = scale·(Σ w·x + b), within 1e-5 of the absolute sum.
 */
function badOutputs(
  N: i32, C: i32, H: i32, W: i32, K: i32, KH: i32, KW: i32,
  SH: i32, SW: i32, PH: i32, PW: i32, DH: i32, DW: i32, G: i32,
  withBias: bool, scaled: bool, xAtMemoryEnd: bool = false,
): i32 {
  const OH = (H + 2 * PH - DH * (KH - 1) - 1) / SH + 1;
  const OW = (W + 2 * PW - DW * (KW - 1) - 1) / SW + 1;
  const p = descriptor([N, C, H, W, K, KH, KW, SH, SW, PH, PW, DH, DW, G, OH, OW]);
  const cg = C / G, kg = K / G;
  let x = allocFilled(N * C * H * W);
  if (xAtMemoryEnd) x = moveToMemoryEnd(x, N * C * H * W);
  const w = allocFilled(K * cg * KH * KW);
  const b = withBias ? allocFilled(K) : 0;
  const scale = scaled ? allocFilled(N * K) : 0;
  const y = allocFilled(N * K * OH * OW); // garbage: the kernel must overwrite
  const wsBytes = scaled ? conv2dForwardScaledWorkspaceBytes(p) : conv2dWorkspaceBytes(p, 0);
  const ws = heap.alloc(max<usize>(wsBytes, 16));

  if (scaled) conv2dForwardScaled(p, x, w, b, scale, y, ws);
  else conv2dForward(p, x, w, b, y, ws);

  let bad = 0;
  for (let n = 0; n < N; n++) for (let o = 0; o < K; o++) {
    const g = o / kg;
    const s: f64 = scaled ? at(scale, n * K + o) : 1;
    for (let i = 0; i < OH; i++) for (let j = 0; j < OW; j++) {
      let ref: f64 = b ? at(b, o) : 0;
      let mag: f64 = Math.abs(ref);
      for (let c = 0; c < cg; c++) for (let u = 0; u < KH; u++) for (let v = 0; v < KW; v++) {
        const ih = i * SH - PH + u * DH, iw = j * SW - PW + v * DW;
        if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
        const t = at(w, ((o * cg + c) * KH + u) * KW + v) * at(x, ((n * C + g * cg + c) * H + ih) * W + iw);
        ref += t;
        mag += Math.abs(t);
      }
      const got = at(y, ((n * K + o) * OH + i) * OW + j);
      bad += mismatch(got, s * ref, Math.abs(s) * mag);
    }
  }
  heap.free(p); heap.free(w); heap.free(y); heap.free(ws);
  if (!xAtMemoryEnd) heap.free(x);
  if (b) heap.free(b);
  if (scale) heap.free(scale);
  return bad;
}

/**
 * Copies `n` floats to the very end of linear memory, in fresh pages the allocator never hands out
 * (TLSF adds only the pages it grows itself), and frees the original: there a vector load past the
 * image's last row would trap, so the packers' over-reading f32x4 paths must fall back.
 */
function moveToMemoryEnd(x: usize, n: i32): usize {
  const bytes = <usize>n << 2;
  const pages = <i32>((bytes + 0xffff) >> 16);
  const end = <usize>(memory.grow(pages) + pages) << 16;
  memory.copy(end - bytes, x, bytes);
  heap.free(x);
  return end - bytes;
}

// args: N, C, H, W, K, KH, KW, SH, SW, PH, PW, DH, DW, G, bias, scaled
describe("conv2dForward", () => {
  it("1×1 stride 1 (GEMM on the input as is), with and without bias", () => {
    expect(badOutputs(1, 5, 7, 9, 13, 1, 1, 1, 1, 0, 0, 1, 1, 1, true, false)).toBe(0);
    expect(badOutputs(2, 8, 4, 4, 3, 1, 1, 1, 1, 0, 0, 1, 1, 1, false, false)).toBe(0);
  });
  it("1×1 stride 2 and 1×1 with padding (implicit im2col)", () => {
    expect(badOutputs(1, 6, 9, 11, 7, 1, 1, 2, 2, 0, 0, 1, 1, 1, true, false)).toBe(0);
    expect(badOutputs(1, 3, 5, 5, 4, 1, 1, 1, 1, 1, 1, 1, 1, 1, true, false)).toBe(0);
  });
  it("3×3 pad 1", () => {
    expect(badOutputs(2, 3, 8, 10, 7, 3, 3, 1, 1, 1, 1, 1, 1, 1, false, false)).toBe(0);
    expect(badOutputs(1, 4, 12, 16, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1, true, false)).toBe(0);
  });
  it("3×3 stride 2", () => {
    expect(badOutputs(1, 4, 11, 13, 9, 3, 3, 2, 2, 1, 1, 1, 1, 1, true, false)).toBe(0);
    expect(badOutputs(1, 2, 32, 40, 5, 3, 3, 2, 2, 1, 1, 1, 1, 1, false, false)).toBe(0);
  });
  it("dilation 2", () => {
    expect(badOutputs(1, 3, 9, 9, 5, 3, 3, 1, 1, 2, 2, 2, 2, 1, true, false)).toBe(0);
    expect(badOutputs(1, 2, 20, 20, 3, 3, 3, 1, 1, 1, 1, 2, 2, 1, false, false)).toBe(0);
  });
  it("groups 2", () => {
    expect(badOutputs(1, 6, 7, 8, 10, 3, 3, 1, 1, 1, 1, 1, 1, 2, true, false)).toBe(0);
    expect(badOutputs(2, 4, 5, 5, 6, 1, 1, 1, 1, 0, 0, 1, 1, 2, false, false)).toBe(0);
  });
  it("odd, asymmetric sizes (5×3 kernel, stride 2×1, pad 2×1)", () => {
    expect(badOutputs(1, 3, 13, 17, 17, 5, 3, 2, 1, 2, 1, 1, 1, 1, true, false)).toBe(0);
  });
  it("output 1×1", () => {
    expect(badOutputs(1, 3, 3, 3, 5, 3, 3, 1, 1, 0, 0, 1, 1, 1, true, false)).toBe(0);
    expect(badOutputs(2, 7, 1, 1, 3, 1, 1, 1, 1, 0, 0, 1, 1, 1, true, false)).toBe(0);
  });
  it("kernel larger than the padded input edge", () => {
    expect(badOutputs(1, 2, 2, 3, 4, 5, 5, 1, 1, 2, 2, 1, 1, 1, true, false)).toBe(0);
    expect(badOutputs(1, 3, 2, 2, 3, 7, 7, 2, 2, 3, 3, 1, 1, 1, false, false)).toBe(0);
  });
  it("batch 3", () => {
    expect(badOutputs(3, 5, 6, 7, 11, 3, 3, 1, 1, 1, 1, 1, 1, 1, true, false)).toBe(0);
    expect(badOutputs(3, 4, 6, 6, 6, 1, 1, 1, 1, 0, 0, 1, 1, 1, false, false)).toBe(0);
  });
  it("batched columns: small images of a batch as one GEMM (tiles spanning samples, groups, M/N/K edges)", () => {
    // 7×7 outputs (49 per sample: tiles straddle samples), stride 2, 5 samples, K > 256, M > 96
    expect(badOutputs(5, 30, 14, 14, 101, 3, 3, 2, 2, 1, 1, 1, 1, 1, true, false)).toBe(0);
    // groups 2, dilation 2, odd sizes, 3 samples; 1×1 stride 2 (implicit im2col) batched too
    expect(badOutputs(3, 6, 9, 11, 10, 3, 3, 1, 1, 2, 2, 2, 2, 2, true, false)).toBe(0);
    expect(badOutputs(4, 5, 7, 7, 9, 1, 1, 2, 2, 0, 0, 1, 1, 1, false, false)).toBe(0);
    // pointwise (B = the input as is, panels gathered across samples): 7×7 with K > 256 and
    // M > 96, 2×2 images (a panel spans 3 samples), groups 2; 11×11 = 121 pixels (last batched size)
    expect(badOutputs(3, 300, 7, 7, 101, 1, 1, 1, 1, 0, 0, 1, 1, 1, true, false)).toBe(0);
    expect(badOutputs(7, 5, 2, 2, 6, 1, 1, 1, 1, 0, 0, 1, 1, 1, false, false)).toBe(0);
    expect(badOutputs(3, 8, 3, 5, 6, 1, 1, 1, 1, 0, 0, 1, 1, 2, true, false)).toBe(0);
    expect(badOutputs(2, 9, 11, 11, 10, 1, 1, 1, 1, 0, 0, 1, 1, 1, true, false)).toBe(0);
    // 1×1 outputs: every column is its own sample
    expect(badOutputs(9, 3, 3, 3, 5, 3, 3, 1, 1, 0, 0, 1, 1, 1, true, false)).toBe(0);
    // scaled (per-sample λ): stays per sample
    expect(badOutputs(3, 4, 5, 5, 6, 3, 3, 2, 2, 1, 1, 1, 1, 1, true, true)).toBe(0);
  });
  it("stem-like 7×7 stride 2 pad 3 on 3 channels", () => {
    expect(badOutputs(1, 3, 23, 21, 8, 7, 7, 2, 2, 3, 3, 1, 1, 1, false, false)).toBe(0);
  });
  it("stride 2 on rows wide enough for the vector de-interleave", () => {
    expect(badOutputs(1, 3, 20, 64, 8, 7, 7, 2, 2, 3, 3, 1, 1, 1, true, false)).toBe(0);
    expect(badOutputs(2, 4, 6, 40, 5, 1, 1, 2, 2, 0, 0, 1, 1, 1, false, false)).toBe(0);
  });
  it("tap-aware packing: output rows of whole panels (in place) and short rows (row buffer)", () => {
    // OW = 16 / 8 / 40: chunks straight into panels (batched, stride 2, pad 3; N > 1024 with 40²)
    expect(badOutputs(2, 3, 12, 32, 9, 7, 7, 2, 2, 3, 3, 1, 1, 1, true, false)).toBe(0);
    expect(badOutputs(3, 5, 8, 8, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1, false, false)).toBe(0);
    expect(badOutputs(1, 2, 40, 40, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, true, false)).toBe(0);
    // short rows: stride 3 (strided gather), stride 2 rows ending at the plane's end, dilation 2
    expect(badOutputs(2, 3, 11, 20, 7, 4, 4, 3, 3, 2, 2, 1, 1, 1, true, false)).toBe(0);
    expect(badOutputs(3, 4, 9, 13, 5, 3, 3, 1, 2, 0, 0, 1, 1, 1, false, false)).toBe(0);
    expect(badOutputs(2, 4, 10, 10, 6, 3, 3, 2, 2, 2, 2, 2, 2, 1, true, false)).toBe(0);
    // rows shorter than a panel and wider than one (OW = 3, 12, 25)
    expect(badOutputs(4, 3, 5, 5, 5, 3, 3, 2, 2, 1, 1, 1, 1, 1, true, false)).toBe(0);
    expect(badOutputs(1, 3, 13, 25, 6, 3, 3, 1, 2, 1, 1, 1, 1, 1, true, false)).toBe(0);
    expect(badOutputs(1, 2, 9, 27, 4, 3, 3, 1, 1, 1, 0, 1, 1, 1, true, false)).toBe(0);
  });
  it("short rows of an image that ends at the end of linear memory (no load past it)", () => {
    // OW = 14, 7 (stride 1 and 2, pad 1), 13 (pad 0, stride 2 reading to the last float)
    expect(badOutputs(2, 3, 14, 14, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, true, false, true)).toBe(0);
    expect(badOutputs(2, 3, 14, 14, 5, 3, 3, 2, 2, 1, 1, 1, 1, 1, true, false, true)).toBe(0);
    expect(badOutputs(1, 2, 9, 27, 4, 3, 3, 1, 2, 0, 0, 1, 1, 1, true, false, true)).toBe(0);
  });
  it("crosses every GEMM block (M > 96, N > 1024, K > 256)", () => {
    expect(badOutputs(1, 32, 34, 34, 100, 3, 3, 1, 1, 1, 1, 1, 1, 1, true, false)).toBe(0);
    expect(badOutputs(1, 260, 33, 33, 7, 1, 1, 1, 1, 0, 0, 1, 1, 1, true, false)).toBe(0);
  });
  it("depthwise (groups == C, channel multiplier 2) goes to the direct kernel", () => {
    expect(conv2dWorkspaceBytes(descriptor([1, 4, 6, 6, 8, 3, 3, 1, 1, 1, 1, 1, 1, 4, 6, 6]), 0)).toBe(0);
    expect(badOutputs(2, 4, 6, 7, 8, 3, 3, 1, 1, 1, 1, 1, 1, 4, true, false)).toBe(0);
  });
});

describe("conv2dForwardScaled (per-sample, per-channel λ fused)", () => {
  it("1×1 and 3×3, with and without bias", () => {
    expect(badOutputs(2, 5, 6, 6, 7, 1, 1, 1, 1, 0, 0, 1, 1, 1, true, true)).toBe(0);
    expect(badOutputs(2, 3, 7, 5, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1, false, true)).toBe(0);
    expect(badOutputs(3, 4, 9, 9, 6, 3, 3, 2, 2, 1, 1, 1, 1, 2, true, true)).toBe(0);
  });
  it("depthwise with a scale takes the GEMM path", () => {
    expect(badOutputs(2, 4, 6, 7, 8, 3, 3, 1, 1, 1, 1, 1, 1, 4, true, true)).toBe(0);
  });
});

describe("conv2dWorkspaceBytes", () => {
  it("routes passes 1 and 2 to the backward kernels' sizes", () => {
    const p = descriptor([2, 8, 10, 10, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 10, 10]);
    expect(conv2dWorkspaceBytes(p, 0)).toBeGreaterThan(0);
    expect(conv2dWorkspaceBytes(p, 1)).toBe(conv2dBackwardDataWorkspaceBytes(p));
    expect(conv2dWorkspaceBytes(p, 2)).toBe(conv2dBackwardWeightWorkspaceBytes(p));
  });
});
