// conv2d backward data / weight (sgemm + im2col/col2im paths and their dispatch) against the
// naive loops of conv_reference.ts; backward data both overwriting dx and adding to it (accumulate).

import {
  conv2dBackwardData, conv2dBackwardDataWorkspaceBytes,
  conv2dBackwardWeight, conv2dBackwardWeightWorkspaceBytes,
} from "../../assembly/conv/conv2d_backward";
import { ConvCase } from "./conv_reference";
import { copyOf, scribble } from "./kernel_data";

/** Runs both backward passes of one case; returns the number of wrong outputs (0 = pass). */
function check(N: i32, C: i32, H: i32, W: i32, K: i32, KH: i32, KW: i32,
               SH: i32, SW: i32, PH: i32, PW: i32, DH: i32, DW: i32, G: i32, bias: bool): i32 {
  const t = new ConvCase(N, C, H, W, K, KH, KW, SH, SW, PH, PW, DH, DW, G, bias);
  const wsData = t.workspace(conv2dBackwardDataWorkspaceBytes(t.p));
  const wsWeight = t.workspace(conv2dBackwardWeightWorkspaceBytes(t.p));
  conv2dBackwardData(t.p, t.dy, t.w, t.dx, 0, wsData);
  conv2dBackwardWeight(t.p, t.x, t.dy, t.dw, t.db, wsWeight);
  let bad = t.badData() + t.badWeight();
  // accumulate: dx += the gradient, on every path (pointwise, flipped, columns, depthwise)
  const xN = N * C * H * W;
  scribble(t.dx, xN);
  const prior = copyOf(t.dx, xN);
  conv2dBackwardData(t.p, t.dy, t.w, t.dx, 1, wsData);
  bad += t.badData(prior);
  heap.free(prior); heap.free(wsData); heap.free(wsWeight); t.free();
  return bad;
}

describe("conv2dBackwardData + conv2dBackwardWeight", () => {
  //                    N  C   H   W   K KH KW SH SW PH PW DH DW G  bias
  it("1x1 (pointwise, sgemm on x / dx directly)", () => {
    expect(check(2, 4, 6, 7, 5, 1, 1, 1, 1, 0, 0, 1, 1, 1, true)).toBe(0);
  });
  it("1x1 groups 2", () => {
    expect(check(2, 4, 5, 6, 6, 1, 1, 1, 1, 0, 0, 1, 1, 2, false)).toBe(0);
  });
  it("1x1 stride 2 (im2col path)", () => {
    expect(check(1, 3, 7, 7, 2, 1, 1, 2, 2, 0, 0, 1, 1, 1, true)).toBe(0);
  });
  it("3x3 pad 1", () => {
    expect(check(2, 3, 8, 9, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, true)).toBe(0);
  });
  it("3x3 stride 2", () => {
    expect(check(1, 4, 13, 13, 6, 3, 3, 2, 2, 1, 1, 1, 1, 1, true)).toBe(0);
  });
  it("3x3 dilation 2", () => {
    expect(check(1, 3, 12, 11, 2, 3, 3, 1, 1, 2, 2, 2, 2, 1, true)).toBe(0);
  });
  it("groups 2, batch 3, no bias", () => {
    expect(check(3, 4, 9, 9, 6, 3, 3, 1, 1, 1, 1, 1, 1, 2, false)).toBe(0);
  });
  it("odd sizes: 13x13, C = 5", () => {
    expect(check(1, 5, 13, 13, 7, 3, 3, 1, 1, 1, 1, 1, 1, 1, true)).toBe(0);
  });
  it("output 1x1", () => {
    expect(check(2, 3, 3, 3, 4, 3, 3, 1, 1, 0, 0, 1, 1, 1, true)).toBe(0);
  });
  it("non-square 5x3 kernel, mixed strides", () => {
    expect(check(1, 2, 30, 31, 3, 5, 3, 2, 1, 2, 1, 1, 1, 1, true)).toBe(0);
  });
  it("several pixel blocks with a tail (C = 64, 20x19)", () => {
    expect(check(2, 64, 20, 19, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, true)).toBe(0);
  });
  it("several pixel blocks, stride 2, groups 2", () => {
    expect(check(1, 48, 23, 21, 6, 3, 3, 2, 2, 1, 1, 1, 1, 2, true)).toBe(0);
  });
  it("depthwise dispatch (groups == C, multiplier 2)", () => {
    expect(check(2, 3, 9, 10, 6, 3, 3, 1, 1, 1, 1, 1, 1, 3, true)).toBe(0);
  });
  // stride 1 with Cin/G ≥ 2·Cout/G: backward data as the forward conv of the flipped weights
  it("flipped: 3x3 pad 1, 24 -> 8", () => {
    expect(check(1, 24, 9, 11, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, true)).toBe(0);
  });
  it("flipped: batch 3 of small images (one GEMM across samples), pad 0 (flipped padding 2)", () => {
    expect(check(3, 20, 6, 7, 6, 3, 3, 1, 1, 0, 0, 1, 1, 1, false)).toBe(0);
  });
  it("flipped: 2x5 kernel, pad (1, 0), dilation (2, 1), groups 2", () => {
    expect(check(2, 32, 9, 12, 12, 2, 5, 1, 1, 1, 0, 2, 1, 2, true)).toBe(0);
  });
  it("flipped: big image (per-sample GEMMs), batch 2", () => {
    expect(check(2, 18, 33, 34, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, false)).toBe(0);
  });
  it("padding beyond the kernel extent (no flipped padding): column path", () => {
    expect(check(2, 24, 7, 8, 6, 3, 3, 1, 1, 3, 2, 1, 1, 1, true)).toBe(0);
    expect(check(1, 16, 5, 6, 4, 1, 1, 1, 1, 1, 1, 1, 1, 1, true)).toBe(0);
  });
  it("column blocks spanning samples (C = 512, stride 2, batch 2)", () => {
    expect(check(2, 512, 13, 13, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1, true)).toBe(0);
  });
  it("pointwise small images at batch 3 (dW as one GEMM over all samples)", () => {
    expect(check(3, 24, 5, 6, 40, 1, 1, 1, 1, 0, 0, 1, 1, 1, true)).toBe(0);
  });
  it("batch 0 gives zero dw and db", () => {
    expect(check(0, 3, 5, 5, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, true)).toBe(0);
  });
});

describe("backward workspace", () => {
  it("is 0 for depthwise and bounded (not a whole-image column buffer) otherwise", () => {
    const t = new ConvCase(1, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, false);
    // A whole-image column buffer would be 576 × 3136 floats ≈ 7.2 MB.
    expect(conv2dBackwardDataWorkspaceBytes(t.p)).toBeLessThan(<usize>(4 << 20));
    t.free();
    const d = new ConvCase(1, 8, 6, 6, 8, 3, 3, 1, 1, 1, 1, 1, 1, 8, false);
    expect(conv2dBackwardDataWorkspaceBytes(d.p)).toBe(0);
    expect(conv2dBackwardWeightWorkspaceBytes(d.p)).toBe(0);
    d.free();
  });
});
