// Direct depthwise kernels (groups == C, multiplier K/C ≥ 1) against the naive loops of
// conv_reference.ts: SIMD interior + scalar border paths, strides 1/2/3, dilation, padding wider
// than the kernel reach.

import {
  depthwiseConv2dForward, depthwiseConv2dBackwardData, depthwiseConv2dBackwardWeight, depthwiseConv2dBackward,
} from "../../assembly/conv/depthwise";
import { depthwiseBackwardPart } from "../../assembly/conv/depthwise_part";
import { ConvCase } from "./conv_reference";
import { bitsDiffer, copyOf } from "./kernel_data";

/** Runs forward, backward data and backward weight of one depthwise case; returns wrong outputs. */
function check(N: i32, C: i32, H: i32, W: i32, mult: i32, KH: i32, KW: i32,
               SH: i32, SW: i32, PH: i32, PW: i32, DH: i32, DW: i32, bias: bool): i32 {
  const t = new ConvCase(N, C, H, W, C * mult, KH, KW, SH, SW, PH, PW, DH, DW, C, bias);
  depthwiseConv2dForward(t.p, t.x, t.w, t.b, t.y);
  depthwiseConv2dBackwardData(t.p, t.dy, t.w, t.dx);
  depthwiseConv2dBackwardWeight(t.p, t.x, t.dy, t.dw, t.db);
  const bad = t.badForward() + t.badData() + t.badWeight();
  t.free();
  return bad;
}

describe("depthwise conv2d", () => {
  //                    N  C   H   W  mult KH KW SH SW PH PW DH DW bias
  it("3x3 pad 1, multiplier 1", () => {
    expect(check(1, 3, 7, 9, 1, 3, 3, 1, 1, 1, 1, 1, 1, true)).toBe(0);
  });
  it("3x3 pad 1, multiplier 2, batch 2", () => {
    expect(check(2, 4, 12, 13, 2, 3, 3, 1, 1, 1, 1, 1, 1, true)).toBe(0);
  });
  it("3x3 stride 2, odd 13x13, C = 5, no bias", () => {
    expect(check(1, 5, 13, 13, 1, 3, 3, 2, 2, 1, 1, 1, 1, false)).toBe(0);
  });
  it("3x3 stride 2, multiplier 2, batch 3", () => {
    expect(check(3, 2, 11, 17, 2, 3, 3, 2, 2, 1, 1, 1, 1, true)).toBe(0);
  });
  it("3x3 dilation 2", () => {
    expect(check(1, 3, 14, 15, 1, 3, 3, 1, 1, 2, 2, 2, 2, true)).toBe(0);
  });
  it("5x5 pad 2, wide rows", () => {
    expect(check(1, 2, 9, 21, 1, 5, 5, 1, 1, 2, 2, 1, 1, true)).toBe(0);
  });
  it("3x2 kernel, strides 3/2", () => {
    expect(check(1, 2, 9, 10, 1, 3, 2, 3, 2, 0, 1, 1, 1, true)).toBe(0);
  });
  it("output 1x1", () => {
    expect(check(1, 2, 3, 3, 1, 3, 3, 1, 1, 0, 0, 1, 1, true)).toBe(0);
  });
  it("padding wider than the kernel reach, multiplier 3", () => {
    expect(check(1, 2, 5, 6, 3, 3, 3, 1, 1, 3, 4, 1, 1, true)).toBe(0);
  });
  it("row stride 1, column stride 2", () => {
    expect(check(2, 3, 10, 30, 2, 3, 3, 1, 2, 1, 1, 1, 1, true)).toBe(0);
  });
  it("1x1 single channel", () => {
    expect(check(1, 1, 8, 8, 1, 1, 1, 1, 1, 0, 0, 1, 1, true)).toBe(0);
  });
  it("wide 3x3 rows (56 columns, SIMD interior)", () => {
    expect(check(1, 4, 9, 56, 1, 3, 3, 1, 1, 1, 1, 1, 1, true)).toBe(0);
  });
  it("row stride 2, column stride 1", () => {
    expect(check(1, 3, 11, 20, 1, 3, 3, 2, 1, 1, 1, 1, 1, true)).toBe(0);
  });
  it("wide 3x3 stride 2 rows (60 columns), multiplier 2", () => {
    expect(check(1, 2, 9, 60, 2, 3, 3, 2, 2, 1, 1, 1, 1, true)).toBe(0);
  });
  it("3x3 stride 2, dilation 2", () => {
    expect(check(1, 2, 15, 27, 1, 3, 3, 2, 2, 2, 2, 2, 2, false)).toBe(0);
  });
  // The 3x3 stride-1 column-pad-1 kernel: vector border blocks and 1-3 column tails at every width
  // from 5 (the smallest it takes) on, row padding 0/1/2, batch and multiplier (accumulating dx).
  it("3x3 pad 1, widths 4..21 (border blocks, tails of 1-3 columns)", () => {
    let bad = 0;
    for (let w = 4; w <= 21; w++) bad += check(1, 2, 6, w, 1, 3, 3, 1, 1, 1, 1, 1, 1, true);
    expect(bad).toBe(0);
  });
  it("3x3 pad 1, heights 1..6, multiplier 2, batch 2", () => {
    let bad = 0;
    for (let h = 1; h <= 6; h++) bad += check(2, 3, h, 10, 2, 3, 3, 1, 1, 1, 1, 1, 1, true);
    expect(bad).toBe(0);
  });
  it("3x3 row padding 0 and 2 with column padding 1", () => {
    expect(check(1, 2, 9, 13, 1, 3, 3, 1, 1, 0, 1, 1, 1, true)).toBe(0);
    expect(check(1, 2, 9, 14, 2, 3, 3, 1, 1, 2, 1, 1, 1, false)).toBe(0);
  });
  // The 3x3 stride-2 pad-1 forward kernel: even/odd split, left padding shifted in, last block of
  // 1-4 outputs reading only in-row columns, odd and even widths from 7 (the old path) to 22.
  it("3x3 stride 2 pad 1, widths 7..22, heights 1..6, row padding 0/1/2", () => {
    let bad = 0;
    for (let w = 7; w <= 22; w++) bad += check(1, 2, 7, w, 1, 3, 3, 2, 2, 1, 1, 1, 1, true);
    for (let h = 1; h <= 6; h++) bad += check(2, 2, h, 12, 2, 3, 3, 2, 2, 1, 1, 1, 1, true);
    bad += check(1, 2, 9, 15, 1, 3, 3, 2, 2, 0, 1, 1, 1, false);
    bad += check(1, 2, 9, 16, 1, 3, 3, 2, 2, 2, 1, 1, 1, true);
    expect(bad).toBe(0);
  });
  it("3x3 pad 1, MobileNet-like 14x14 and 28x28 planes, multiplier 3", () => {
    expect(check(1, 5, 14, 14, 1, 3, 3, 1, 1, 1, 1, 1, 1, true)).toBe(0);
    expect(check(2, 2, 28, 28, 3, 3, 3, 1, 1, 1, 1, 1, 1, true)).toBe(0);
  });
  // 3x3 stride-2 pad-1 backward (gather by column parity, de-interleaved weight gradient): several
  // inner blocks, row ends of 1-7 x columns, odd/even heights, accumulating dx (multiplier 3).
  it("3x3 stride 2 pad 1, widths 23..40, multiplier 3, batch 2", () => {
    let bad = 0;
    for (let w = 23; w <= 40; w++) bad += check(2, 2, 5 + (w & 3), w, 3, 3, 3, 2, 2, 1, 1, 1, 1, w & 1 ? true : false);
    expect(bad).toBe(0);
  });
  // 5x5 pad 2 plane kernels (SIMD builds: vector blocks; scalar build: depthwise_5x5_scalar.ts): left padding
  // shifted in, blocks past the row end at every width from below the kernels' minimum (8 / 9) up,
  // rows clipped at both ends (heights 1..7, row padding 0..3), multiplier and batch (accumulation).
  it("5x5 stride 1 pad 2, widths 6..25, heights 1..7, row padding 0..3", () => {
    let bad = 0;
    for (let w = 6; w <= 25; w++) bad += check(1, 2, 7, w, 1, 5, 5, 1, 1, 2, 2, 1, 1, true);
    for (let h = 1; h <= 7; h++) bad += check(2, 2, h, 11, 2, 5, 5, 1, 1, 2, 2, 1, 1, true);
    for (let ph = 0; ph <= 3; ph++) bad += check(1, 2, 9, 13, 3, 5, 5, 1, 1, ph, 2, 1, 1, ph & 1 ? true : false);
    expect(bad).toBe(0);
  });
  it("5x5 stride 2 pad 2, widths 7..30, heights 1..8, row padding 0..3", () => {
    let bad = 0;
    for (let w = 7; w <= 30; w++) bad += check(1, 2, 8, w, 1, 5, 5, 2, 2, 2, 2, 1, 1, true);
    for (let h = 1; h <= 8; h++) bad += check(2, 2, h, 14, 2, 5, 5, 2, 2, 2, 2, 1, 1, true);
    for (let ph = 0; ph <= 3; ph++) bad += check(1, 2, 10, 17, 3, 5, 5, 2, 2, ph, 2, 1, 1, ph & 1 ? true : false);
    expect(bad).toBe(0);
  });
  it("5x5 MobileNetV3-like 14x14 and 28x28 planes, stride 1 and 2, batch 2", () => {
    expect(check(2, 3, 14, 14, 1, 5, 5, 1, 1, 2, 2, 1, 1, true)).toBe(0);
    expect(check(2, 3, 28, 28, 1, 5, 5, 2, 2, 2, 2, 1, 1, true)).toBe(0);
  });
  // depthwiseConv2dBackwardWeight walks samples outside and planes inside (db before dW):
  // every plane kernel (3x3 s1/s2, 5x5 s1/s2, the generic taps) summed over 4 samples, odd sizes,
  // padding 0/1/2, multiplier 2 (dw[o] for neighbouring o of one input channel).
  it("weight gradient over batch 4, every plane kernel", () => {
    let bad = 0;
    for (let ph = 0; ph <= 2; ph++) {
      bad += check(4, 3, 9, 13, 2, 3, 3, 1, 1, ph, 1, 1, 1, true);     // 3x3 s1
      bad += check(4, 3, 11, 17, 2, 3, 3, 2, 2, ph, 1, 1, 1, true);    // 3x3 s2
      bad += check(4, 2, 9, 11, 2, 5, 5, 1, 1, ph, 2, 1, 1, true);     // 5x5 s1
      bad += check(4, 2, 11, 15, 2, 5, 5, 2, 2, ph, 2, 1, 1, true);    // 5x5 s2
      bad += check(4, 3, 7, 9, 2, 3, 3, 1, 1, ph, ph, 2, 2, true);     // generic (dilation 2)
    }
    bad += check(3, 5, 56, 56, 1, 3, 3, 1, 1, 1, 1, 1, 1, true);       // MobileNet planes
    bad += check(3, 5, 56, 56, 1, 3, 3, 2, 2, 1, 1, 1, 1, false);
    expect(bad).toBe(0);
  });
  it("weight gradient of an empty batch is zero", () => {
    let bad = 0;
    for (let k = 3; k <= 5; k += 2) {
      const t = new ConvCase(1, 2, 9, 9, 4, k, k, 1, 1, k >> 1, k >> 1, 1, 1, 2, true);
      store<i32>(t.p, 0); // N = 0
      depthwiseConv2dBackwardWeight(t.p, t.x, t.dy, t.dw, t.db);
      for (let i = 0; i < 4 * k * k; i++) if (load<f32>(t.dw + (<usize>i << 2)) != 0) bad++;
      for (let i = 0; i < 4; i++) if (load<f32>(t.db + (<usize>i << 2)) != 0) bad++;
      t.free();
    }
    expect(bad).toBe(0);
  });

  // depthwiseConv2dBackward (dx, dW, db in one pass over dy) and its channel parts must give the
  // bits of the separate kernels, for every plane kernel and with any output left out.
  it("fused backward = separate kernels, bit for bit (every plane kernel, parts, outputs left out)", () => {
    let bad = 0;
    for (let ph = 0; ph <= 2; ph++) {
      for (let n = 1; n <= 3; n += 2) {
        bad += checkFused(n, 3, 9, 13, 2, 3, 3, 1, 1, ph, 1, 1, 1);     // 3x3 s1
        bad += checkFused(n, 3, 11, 17, 2, 3, 3, 2, 2, ph, 1, 1, 1);    // 3x3 s2
        bad += checkFused(n, 2, 9, 11, 2, 5, 5, 1, 1, ph, 2, 1, 1);     // 5x5 s1
        bad += checkFused(n, 2, 11, 15, 2, 5, 5, 2, 2, ph, 2, 1, 1);    // 5x5 s2
        bad += checkFused(n, 3, 7, 9, 2, 3, 3, 1, 1, ph, ph, 2, 2);     // generic (dilation 2)
        bad += checkFused(n, 3, 10, 9, 1, 3, 2, 3, 2, ph, 1, 1, 1);     // generic (scatter)
      }
    }
    bad += checkFused(2, 5, 56, 56, 1, 3, 3, 1, 1, 1, 1, 1, 1);         // MobileNet planes
    bad += checkFused(2, 5, 56, 56, 1, 3, 3, 2, 2, 1, 1, 1, 1);
    bad += checkFused(2, 7, 14, 14, 3, 3, 3, 1, 1, 1, 1, 1, 1);
    bad += checkFused(2, 3, 28, 28, 1, 5, 5, 1, 1, 2, 2, 1, 1);
    bad += checkFused(2, 3, 28, 28, 1, 5, 5, 2, 2, 2, 2, 1, 1);
    expect(bad).toBe(0);
  });
  it("fused backward of an empty batch: dW and db are zero", () => {
    let bad = 0;
    for (let k = 3; k <= 5; k += 2) {
      const t = new ConvCase(1, 2, 9, 9, 4, k, k, 1, 1, k >> 1, k >> 1, 1, 1, 2, true);
      store<i32>(t.p, 0); // N = 0
      depthwiseConv2dBackward(t.p, t.x, t.dy, t.w, 0, t.dw, t.db, 0);
      for (let i = 0; i < 4 * k * k; i++) if (load<f32>(t.dw + (<usize>i << 2)) != 0) bad++;
      for (let i = 0; i < 4; i++) if (load<f32>(t.db + (<usize>i << 2)) != 0) bad++;
      t.free();
    }
    expect(bad).toBe(0);
  });
});

/** Fills `count` floats with NaN (an output the kernel fails to write shows up). */
function poison(dst: usize, count: i32): void {
  for (let i = 0; i < count; i++) store<u32>(dst + (<usize>i << 2), 0x7fc00123);
}

/**
 * The separate kernels' dx / dw / db (checked against the naive loops too), then the fused
 * kernel's: all three, dx only, dW only, db only, dW + db, and split into 1, 2, 3 and 8 channel
 * parts (more parts than channels: some parts empty). Returns mismatches.
 */
function checkFused(N: i32, C: i32, H: i32, W: i32, mult: i32, KH: i32, KW: i32,
                    SH: i32, SW: i32, PH: i32, PW: i32, DH: i32, DW: i32): i32 {
  const t = new ConvCase(N, C, H, W, C * mult, KH, KW, SH, SW, PH, PW, DH, DW, C, true);
  const K = C * mult;
  const nx = N * C * H * W, nw = K * KH * KW;
  depthwiseConv2dBackwardData(t.p, t.dy, t.w, t.dx);
  depthwiseConv2dBackwardWeight(t.p, t.x, t.dy, t.dw, t.db);
  let bad = t.badData() + t.badWeight();
  const dx = copyOf(t.dx, nx), dw = copyOf(t.dw, nw), db = copyOf(t.db, K);
  const ws = heap.alloc(64);
  for (let mode = 0; mode < 5; mode++) {
    const wantX = mode == 0 || mode == 1, wantW = mode == 0 || mode == 2 || mode == 4;
    const wantB = mode == 0 || mode == 3 || mode == 4;
    poison(t.dx, nx); poison(t.dw, nw); poison(t.db, K);
    depthwiseConv2dBackward(t.p, t.x, t.dy, t.w, wantX ? t.dx : 0, wantW ? t.dw : 0, wantB ? t.db : 0, ws);
    if (wantX) bad += bitsDiffer(t.dx, dx, nx);
    if (wantW) bad += bitsDiffer(t.dw, dw, nw);
    if (wantB) bad += bitsDiffer(t.db, db, K);
  }
  const partCounts: i32[] = [1, 2, 3, 8];
  for (let i = 0; i < partCounts.length; i++) {
    const parts = partCounts[i];
    poison(t.dx, nx); poison(t.dw, nw); poison(t.db, K);
    for (let part = parts - 1; part >= 0; part--) {
      depthwiseBackwardPart(t.p, t.x, t.dy, t.w, t.dx, t.dw, t.db, ws, part, parts);
    }
    bad += bitsDiffer(t.dx, dx, nx) + bitsDiffer(t.dw, dw, nw) + bitsDiffer(t.db, db, K);
  }
  heap.free(dx); heap.free(dw); heap.free(db); heap.free(ws);
  t.free();
  return bad;
}
