// The thread pool's part kernels: running parts 0 … P−1 (in reverse order, each with its own
// workspace) must reproduce the whole-op kernel bit for bit, for several part counts.

import { conv2dForward, conv2dWorkspaceBytes } from "../../assembly/conv/conv2d_forward";
import { conv2dBackwardData, conv2dBackwardWeight } from "../../assembly/conv/conv2d_backward";
import { conv2dForwardPart, conv2dForwardSplitsRows } from "../../assembly/conv/conv2d_forward_part";
import {
  conv2dBackwardDataPart, conv2dBackwardWeightSamplesPart, conv2dBackwardWeightPart, conv2dBackwardWeightPartialBytes,
  conv2dBackwardWeightReduce, conv2dBackwardWeightSplitsSamples, conv2dBackwardDataSplitsSamples,
} from "../../assembly/conv/conv2d_backward_part";
import { linearBackward, linearForward, linearWorkspaceBytes } from "../../assembly/nn/linear";
import { linearBackwardPart, linearForwardPart } from "../../assembly/nn/linear_part";
import { PART_SCRATCH } from "../../assembly/gemm/partition";
import { ConvCase } from "./conv_reference";
import { bitsDiffer, copyOf, scribble } from "./kernel_data";

const PART_COUNTS: i32[] = [1, 2, 3, 8, 13];

function checkConv(N: i32, C: i32, H: i32, W: i32, K: i32, KH: i32, KW: i32,
                   SH: i32, SW: i32, PH: i32, PW: i32, DH: i32, DW: i32, G: i32, bias: bool): i32 {
  const t = new ConvCase(N, C, H, W, K, KH, KW, SH, SW, PH, PW, DH, DW, G, bias);
  const yN = t.yCount(), xN = N * C * H * W, wN = t.wCount();
  // + PART_SCRATCH: a part's ws starts with its own 64 bytes
  const ws = t.workspace(PART_SCRATCH + max(conv2dWorkspaceBytes(t.p, 0), max(conv2dWorkspaceBytes(t.p, 1), conv2dWorkspaceBytes(t.p, 2))));
  conv2dForward(t.p, t.x, t.w, t.b, t.y, ws);
  conv2dBackwardData(t.p, t.dy, t.w, t.dx, 0, ws);
  conv2dBackwardWeight(t.p, t.x, t.dy, t.dw, t.db, ws);
  const y = copyOf(t.y, yN), dx = copyOf(t.dx, xN), dw = copyOf(t.dw, wN), db = bias ? copyOf(t.db, K) : 0;
  scribble(t.dx, xN);
  conv2dBackwardData(t.p, t.dy, t.w, t.dx, 1, ws); // accumulate onto the scribble
  const dxAdded = copyOf(t.dx, xN);
  let bad = 0;
  for (let i = 0; i < PART_COUNTS.length; i++) {
    const parts = PART_COUNTS[i];
    scribble(t.y, yN); scribble(t.dx, xN); scribble(t.dw, wN);
    if (bias) scribble(t.db, K);
    for (let part = parts - 1; part >= 0; part--) {
      conv2dForwardPart(t.p, t.x, t.w, t.b, t.y, ws, part, parts);
      conv2dBackwardDataPart(t.p, t.dy, t.w, t.dx, 0, ws, part, parts);
      conv2dBackwardWeightPart(t.p, t.x, t.dy, t.dw, t.db, ws, part, parts);
    }
    bad += bitsDiffer(t.y, y, yN) + bitsDiffer(t.dx, dx, xN) + bitsDiffer(t.dw, dw, wN);
    if (bias) bad += bitsDiffer(t.db, db, K);
    scribble(t.dx, xN);
    for (let part = parts - 1; part >= 0; part--) conv2dBackwardDataPart(t.p, t.dy, t.w, t.dx, 1, ws, part, parts);
    bad += bitsDiffer(t.dx, dxAdded, xN);
  }
  heap.free(ws); heap.free(y); heap.free(dx); heap.free(dxAdded); heap.free(dw);
  if (bias) heap.free(db);
  t.free();
  return bad;
}

function filled(floats: i32, seed: i32): usize {
  const p = heap.alloc(<usize>max(floats, 1) << 2);
  for (let i = 0; i < floats; i++) store<f32>(p + (<usize>i << 2), <f32>Math.sin(<f64>(i * 7 + seed)));
  return p;
}

function checkLinear(N: i32, IN: i32, OUT: i32, bias: bool): i32 {
  const x = filled(N * IN, 1), w = filled(OUT * IN, 2), b = bias ? filled(OUT, 3) : 0, dy = filled(N * OUT, 4);
  const y = filled(N * OUT, 5), dx = filled(N * IN, 6), dw = filled(OUT * IN, 7), db = filled(OUT, 8);
  const ws = heap.alloc(PART_SCRATCH + linearWorkspaceBytes(N, IN, OUT));
  linearForward(N, IN, OUT, x, w, b, y, ws);
  linearBackward(N, IN, OUT, x, w, dy, dx, dw, db, ws);
  const y0 = copyOf(y, N * OUT), dx0 = copyOf(dx, N * IN), dw0 = copyOf(dw, OUT * IN), db0 = copyOf(db, OUT);
  let bad = 0;
  for (let i = 0; i < PART_COUNTS.length; i++) {
    const parts = PART_COUNTS[i];
    scribble(y, N * OUT); scribble(dx, N * IN); scribble(dw, OUT * IN); scribble(db, OUT);
    for (let part = parts - 1; part >= 0; part--) {
      linearForwardPart(N, IN, OUT, x, w, b, y, ws, part, parts);
      linearBackwardPart(N, IN, OUT, x, w, dy, dx, dw, db, ws, part, parts);
    }
    bad += bitsDiffer(y, y0, N * OUT) + bitsDiffer(dx, dx0, N * IN) + bitsDiffer(dw, dw0, OUT * IN) + bitsDiffer(db, db0, OUT);
  }
  heap.free(x); heap.free(w); heap.free(dy); heap.free(y); heap.free(dx); heap.free(dw); heap.free(db); heap.free(ws);
  heap.free(y0); heap.free(dx0); heap.free(dw0); heap.free(db0);
  if (bias) heap.free(b);
  return bad;
}

describe("conv2d part kernels = whole-op kernels, bit for bit", () => {
  //                         N  C   H   W   K KH KW SH SW PH PW DH DW G  bias
  it("1x1 pointwise, batch 2", () => { expect(checkConv(2, 16, 9, 11, 24, 1, 1, 1, 1, 0, 0, 1, 1, 1, true)).toBe(0); });
  it("1x1 groups 2", () => { expect(checkConv(1, 20, 7, 7, 12, 1, 1, 1, 1, 0, 0, 1, 1, 2, false)).toBe(0); });
  it("3x3 pad 1, many channels", () => { expect(checkConv(1, 24, 13, 12, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1, true)).toBe(0); });
  it("3x3 stride 2, batch 3", () => { expect(checkConv(3, 9, 15, 14, 10, 3, 3, 2, 2, 1, 1, 1, 1, 1, true)).toBe(0); });
  it("5x3 dilation 2, groups 3", () => { expect(checkConv(2, 12, 14, 13, 9, 5, 3, 1, 2, 2, 1, 2, 1, 3, false)).toBe(0); });
  it("several pixel blocks (C = 64, 20x19)", () => { expect(checkConv(1, 64, 20, 19, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, true)).toBe(0); });
  it("depthwise, multiplier 2", () => { expect(checkConv(2, 6, 11, 10, 12, 3, 3, 1, 1, 1, 1, 1, 1, 6, true)).toBe(0); });
  it("depthwise stride 2", () => { expect(checkConv(1, 5, 12, 13, 5, 3, 3, 2, 2, 1, 1, 1, 1, 5, false)).toBe(0); });
  it("flipped backward data (Cin >= 2 Cout), batch 2", () => { expect(checkConv(2, 40, 9, 8, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1, true)).toBe(0); });
  it("flipped, big image, groups 2", () => { expect(checkConv(1, 48, 34, 33, 8, 3, 3, 1, 1, 1, 1, 1, 1, 2, false)).toBe(0); });
  it("column blocks spanning samples (C = 512, stride 2)", () => { expect(checkConv(2, 512, 13, 13, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1, true)).toBe(0); });
  it("pointwise small images, batch 3", () => { expect(checkConv(3, 24, 5, 6, 40, 1, 1, 1, 1, 0, 0, 1, 1, 1, true)).toBe(0); });
  it("pointwise batched columns: 2x2 images (a panel spans 3 samples), K > 256 @7x7", () => {
    expect(checkConv(5, 6, 2, 2, 9, 1, 1, 1, 1, 0, 0, 1, 1, 1, true)).toBe(0);
    expect(checkConv(3, 300, 7, 7, 12, 1, 1, 1, 1, 0, 0, 1, 1, 1, false)).toBe(0);
  });
  it("1x1 stride 2, 64 channels (dW: one channel range per thread)", () => { expect(checkConv(2, 64, 10, 10, 32, 1, 1, 2, 2, 0, 0, 1, 1, 1, true)).toBe(0); });
  it("output 1x1", () => { expect(checkConv(2, 3, 3, 3, 4, 3, 3, 1, 1, 0, 0, 1, 1, 1, true)).toBe(0); });
});

/** Which way conv2dForwardPart splits this conv: true = output channels, false = output pixels. */
function splitsRows(N: i32, C: i32, H: i32, W: i32, K: i32, KH: i32, KW: i32,
                    SH: i32, SW: i32, PH: i32, PW: i32, G: i32): bool {
  const OH = (H + 2 * PH - KH) / SH + 1, OW = (W + 2 * PW - KW) / SW + 1;
  const dims: i32[] = [N, C, H, W, K, KH, KW, SH, SW, PH, PW, 1, 1, G, OH, OW];
  const p = heap.alloc(64);
  for (let i = 0; i < 16; i++) store<i32>(p + (<usize>i << 2), dims[i]);
  const rows = conv2dForwardSplitsRows(p);
  heap.free(p);
  return rows;
}

describe("conv2d forward parts split by output channels (Cout/G >= the GEMM's columns)", () => {
  //                                                     N  C   H   W   K  KH KW SH SW PH PW DH DW G  bias
  it("1x1 @7x7, K = 300 (not a multiple of 4 x parts)", () => {
    expect(splitsRows(1, 64, 7, 7, 300, 1, 1, 1, 1, 0, 0, 1)).toBe(true);
    expect(checkConv(1, 64, 7, 7, 300, 1, 1, 1, 1, 0, 0, 1, 1, 1, true)).toBe(0);
  });
  it("3x3 stride 2 @14x14 -> 7x7, K = 262 (2 row parts: repacking the im2col costs)", () => {
    expect(splitsRows(1, 24, 14, 14, 262, 3, 3, 2, 2, 1, 1, 1)).toBe(true);
    expect(checkConv(1, 24, 14, 14, 262, 3, 3, 2, 2, 1, 1, 1, 1, 1, true)).toBe(0);
  });
  it("3x3, batch 3 (columns batched across samples)", () => {
    expect(splitsRows(3, 12, 6, 6, 234, 3, 3, 1, 1, 1, 1, 1)).toBe(true); // 234 ≥ 2 × 108 columns
    expect(checkConv(3, 12, 6, 6, 234, 3, 3, 1, 1, 1, 1, 1, 1, 1, false)).toBe(0);
    // fewer than 2 × the columns: k×k row parts would each repack the im2col, columns while W is small
    expect(splitsRows(3, 12, 6, 6, 202, 3, 3, 1, 1, 1, 1, 1)).toBe(false);
    expect(checkConv(3, 12, 6, 6, 202, 3, 3, 1, 1, 1, 1, 1, 1, 1, false)).toBe(0);
  });
  it("1x1 groups 2, batch 3 (parts straddle the groups)", () => {
    expect(splitsRows(3, 32, 5, 5, 302, 1, 1, 1, 1, 0, 0, 2)).toBe(true);
    expect(checkConv(3, 32, 5, 5, 302, 1, 1, 1, 1, 0, 0, 1, 1, 2, true)).toBe(0);
  });
  it("1x1 @12x12 batch 2 (per-sample GEMMs: 144 pixels)", () => {
    expect(splitsRows(2, 16, 12, 12, 206, 1, 1, 1, 1, 0, 0, 1)).toBe(true);
    expect(checkConv(2, 16, 12, 12, 206, 1, 1, 1, 1, 0, 0, 1, 1, 1, false)).toBe(0);
  });
  it("3x3 groups 3 x 33 rows, batch 2", () => {
    expect(splitsRows(2, 18, 7, 7, 99, 3, 3, 1, 1, 1, 1, 3)).toBe(false); // 33 < 98 columns
    expect(splitsRows(1, 18, 5, 5, 99, 3, 3, 1, 1, 1, 1, 3)).toBe(false); // 33 < 2 × 25 columns
    expect(checkConv(1, 18, 5, 5, 99, 3, 3, 1, 1, 1, 1, 1, 1, 3, true)).toBe(0);
    expect(splitsRows(1, 18, 4, 4, 99, 3, 3, 1, 1, 1, 1, 3)).toBe(true); // 33 ≥ 2 × 16 columns
    expect(checkConv(1, 18, 4, 4, 99, 3, 3, 1, 1, 1, 1, 1, 1, 3, true)).toBe(0);
  });
  it("many pixels still split by pixels", () => {
    expect(splitsRows(1, 64, 56, 56, 256, 1, 1, 1, 1, 0, 0, 1)).toBe(false);
    expect(splitsRows(8, 256, 14, 14, 256, 3, 3, 2, 2, 1, 1, 1)).toBe(false); // 8 x 49 = 392 batched columns
    expect(splitsRows(1, 256, 14, 14, 256, 3, 3, 2, 2, 1, 1, 1)).toBe(true);
    expect(splitsRows(8, 512, 7, 7, 2048, 1, 1, 1, 1, 0, 0, 1)).toBe(true);
  });
});

/** Does conv2dBackwardDataPart split this conv's samples over `parts` parts? */
function dataBySamples(N: i32, C: i32, H: i32, W: i32, K: i32, KH: i32, KW: i32,
                       SH: i32, SW: i32, PH: i32, PW: i32, G: i32, parts: i32): bool {
  const t = new ConvCase(N, C, H, W, K, KH, KW, SH, SW, PH, PW, 1, 1, G, false);
  const r = conv2dBackwardDataSplitsSamples(t.p, parts);
  t.free();
  return r;
}

describe("conv2d backward data split by samples (batch >= parts) = whole op, bit for bit", () => {
  //                                                      N  C   H   W   K  KH KW SH SW PH PW DH DW G  bias
  it("3x3 pad 1, batch 8, blocks straddling samples", () => {
    expect(dataBySamples(8, 24, 19, 19, 32, 3, 3, 1, 1, 1, 1, 1, 8)).toBe(true);
    expect(checkConv(8, 24, 19, 19, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, true)).toBe(0);
  });
  it("1x1 stride 2 (the shortcuts), batch 13", () => {
    expect(dataBySamples(13, 12, 10, 10, 20, 1, 1, 2, 2, 0, 0, 1, 13)).toBe(true);
    expect(checkConv(13, 12, 10, 10, 20, 1, 1, 2, 2, 0, 0, 1, 1, 1, true)).toBe(0);
  });
  it("the stem's Cin = 1, batch 9", () => {
    expect(dataBySamples(9, 1, 12, 11, 16, 3, 3, 1, 1, 1, 1, 1, 8)).toBe(true);
    expect(checkConv(9, 1, 12, 11, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, false)).toBe(0);
  });
  it("groups 2, stride 2, batch 8", () => {
    expect(checkConv(8, 8, 11, 11, 12, 3, 3, 2, 2, 1, 1, 1, 1, 2, true)).toBe(0);
  });
  it("W_g^T bigger than a block of dY (576 rows, 320-column blocks), batch 8", () => {
    expect(dataBySamples(8, 64, 14, 14, 128, 3, 3, 2, 2, 1, 1, 1, 8)).toBe(true);
    expect(checkConv(8, 64, 14, 14, 128, 3, 3, 2, 2, 1, 1, 1, 1, 1, false)).toBe(0);
  });
  it("fewer samples than parts, the flipped and pointwise paths keep their splits", () => {
    expect(dataBySamples(4, 24, 19, 19, 32, 3, 3, 1, 1, 1, 1, 1, 8)).toBe(false);
    expect(dataBySamples(8, 40, 9, 8, 12, 3, 3, 1, 1, 1, 1, 1, 8)).toBe(false); // flipped: Cin ≥ 2 Cout
    expect(dataBySamples(8, 16, 9, 9, 24, 1, 1, 1, 1, 0, 0, 1, 8)).toBe(false); // pointwise: pixel ranges
  });
});

/**
 * dW by samples (conv2dBackwardWeightSamplesPart + conv2dBackwardWeightReduce) against the whole op:
 * 1 part is the whole op's bits; more parts regroup the batch sum (within 1e-5 of the largest |dW|),
 * the same bits when run again in another part order; db (split by output channels) the same bits.
 * Returns the number of failed checks.
 */
function checkWeightBySamples(N: i32, C: i32, H: i32, W: i32, K: i32, KH: i32, KW: i32,
                              SH: i32, SW: i32, PH: i32, PW: i32, G: i32): i32 {
  const t = new ConvCase(N, C, H, W, K, KH, KW, SH, SW, PH, PW, 1, 1, G, true);
  const wN = t.wCount();
  const ws = t.workspace(PART_SCRATCH + conv2dWorkspaceBytes(t.p, 2));
  conv2dBackwardWeight(t.p, t.x, t.dy, t.dw, t.db, ws);
  const dw = copyOf(t.dw, wN), db = copyOf(t.db, K);
  let big: f32 = 0;
  for (let i = 0; i < wN; i++) big = max(big, abs(load<f32>(dw + (<usize>i << 2))));
  const counts: i32[] = [1, 2, 3, 8];
  let bad = 0;
  for (let i = 0; i < counts.length; i++) {
    const parts = counts[i];
    const partials = heap.alloc(max<usize>(<usize>parts * conv2dBackwardWeightPartialBytes(t.p), 16));
    scribble(t.dw, wN); scribble(t.db, K);
    for (let part = parts - 1; part >= 0; part--) conv2dBackwardWeightSamplesPart(t.p, t.x, t.dy, t.dw, t.db, partials, ws, part, parts);
    conv2dBackwardWeightReduce(t.p, t.dw, partials, parts);
    const first = copyOf(t.dw, wN);
    if (parts == 1) bad += bitsDiffer(t.dw, dw, wN);
    for (let e = 0; e < wN; e++) {
      if (!(abs(load<f32>(t.dw + (<usize>e << 2)) - load<f32>(dw + (<usize>e << 2))) <= 1e-5 * big)) bad++;
    }
    bad += bitsDiffer(t.db, db, K);
    scribble(t.dw, wN);
    for (let part = 0; part < parts; part++) conv2dBackwardWeightSamplesPart(t.p, t.x, t.dy, t.dw, t.db, partials, ws, part, parts);
    conv2dBackwardWeightReduce(t.p, t.dw, partials, parts);
    bad += bitsDiffer(t.dw, first, wN);
    heap.free(first); heap.free(partials);
  }
  heap.free(ws); heap.free(dw); heap.free(db);
  t.free();
  return bad;
}

describe("conv2d dW split by samples (few input channels): ≈ whole op, deterministic", () => {
  //                                                                N  C   H   W   K  KH KW SH SW PH PW G
  it("the stem: Cin = 1, 3x3 pad 1, batch 16", () => { expect(checkWeightBySamples(16, 1, 14, 13, 32, 3, 3, 1, 1, 1, 1, 1)).toBe(0); });
  it("Cin = 3, 3x3 stride 2, batch 9 (column blocks per part)", () => { expect(checkWeightBySamples(9, 3, 17, 17, 8, 3, 3, 2, 2, 1, 1, 1)).toBe(0); });
  it("1x1 stride 2, batch 10", () => { expect(checkWeightBySamples(10, 6, 9, 9, 12, 1, 1, 2, 2, 0, 0, 1)).toBe(0); });
  it("which convs split samples on 2 threads (8 parts)", () => {
    const stem = new ConvCase(64, 1, 28, 28, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, false);
    expect(conv2dBackwardWeightSplitsSamples(stem.p, 8)).toBe(true);
    expect(conv2dBackwardWeightSplitsSamples(stem.p, 4)).toBe(false);  // 1 thread: nothing to split
    stem.free();
    const few = new ConvCase(4, 1, 28, 28, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, false);
    expect(conv2dBackwardWeightSplitsSamples(few.p, 8)).toBe(false);  // fewer samples than parts
    few.free();
    const wide = new ConvCase(64, 32, 28, 28, 64, 1, 1, 2, 2, 0, 0, 1, 1, 1, false);
    expect(conv2dBackwardWeightSplitsSamples(wide.p, 8)).toBe(false); // 4 channel ranges: the channel split
    wide.free();
  });
});

describe("linear part kernels = whole-op kernels, bit for bit", () => {
  it("wide (split by output columns)", () => { expect(checkLinear(3, 37, 50, true)).toBe(0); });
  it("tall (split by rows)", () => { expect(checkLinear(45, 19, 7, true)).toBe(0); });
  it("no bias, tiny", () => { expect(checkLinear(1, 1, 1, false)).toBe(0); });
});
