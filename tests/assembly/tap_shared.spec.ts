// Tap-shared B panels (gemm/pack_b_conv.ts packBConvTap, the wide path of stride-1 convs) against
// the plain panels, bit for bit. setGemmForceWide(true) makes the SIMD build take the wide path too,
// so this runs in both SIMD builds' kernels (as-pect: the plain SIMD build; in the scalar build
// there is no wide path and every case runs plain panels twice). gemmTapSharedPacks() tells whether
// a case really used the tap-shared panels (so a silently disabled path cannot pass as a success).

import { conv2dForward, conv2dWorkspaceBytes } from "../../assembly/conv/conv2d_forward";
import { conv2dBackwardData } from "../../assembly/conv/conv2d_backward";
import { conv2dForwardPart } from "../../assembly/conv/conv2d_forward_part";
import { PART_SCRATCH } from "../../assembly/gemm/partition";
import { gemmTapSharedPacks, setGemmForceWide, setGemmTapShared } from "../../assembly/gemm/driver";
import { allocFilled, bitsDiffer, descriptor, reseed, scribble } from "./kernel_data";

reseed(31337);

/** Tap-shared packs of the last run (−1 = the outputs differed from the plain panels'). */
let packs: i32 = 0;

/**
 * Forward conv (stride 1) with tap-shared panels allowed, then with plain panels only; returns the
 * number of differing output bits' floats and sets `packs`. `parts` > 0: also the part kernels
 * (column ranges that start off a panel boundary run plain panels) against the whole-op result.
 */
function check(N: i32, C: i32, H: i32, W: i32, K: i32, KH: i32, KW: i32, SH: i32, PH: i32, PW: i32, parts: i32 = 0): i32 {
  const OH = (H + 2 * PH - KH) / SH + 1, OW = (W + 2 * PW - KW) / SH + 1;
  const p = descriptor([N, C, H, W, K, KH, KW, SH, SH, PH, PW, 1, 1, 1, OH, OW]);
  const x = allocFilled(N * C * H * W), w = allocFilled(K * C * KH * KW), b = allocFilled(K);
  const yN = N * K * OH * OW;
  const y0 = heap.alloc(<usize>yN << 2), y1 = heap.alloc(<usize>yN << 2);
  const ws = heap.alloc(PART_SCRATCH + max<usize>(conv2dWorkspaceBytes(p, 0), 16));
  setGemmForceWide(true);
  setGemmTapShared(true);
  scribble(y1, yN);
  conv2dForward(p, x, w, b, y1, ws);
  packs = gemmTapSharedPacks();
  setGemmTapShared(false);
  scribble(y0, yN);
  conv2dForward(p, x, w, b, y0, ws);
  let bad = bitsDiffer(y1, y0, yN);
  if (parts > 0) {
    setGemmTapShared(true);
    scribble(y1, yN);
    for (let part = parts - 1; part >= 0; part--) conv2dForwardPart(p, x, w, b, y1, ws, part, parts);
    bad += bitsDiffer(y1, y0, yN);
  }
  setGemmTapShared(true);
  setGemmForceWide(false);
  heap.free(p); heap.free(x); heap.free(w); heap.free(b); heap.free(y0); heap.free(y1); heap.free(ws);
  return bad;
}

/** Used the tap-shared panels: always in the SIMD builds, never in the scalar one. */
function usedTap(): bool {
  return ASC_FEATURE_SIMD ? packs > 0 : packs == 0;
}

// args: N, C, H, W, K(Cout), KH, KW, stride, PH, PW
describe("tap-shared B panels = plain panels, bit for bit", () => {
  it("3x3 pad 1, Cin 1, width 8, Cout 7", () => {
    expect(check(1, 1, 8, 8, 7, 3, 3, 1, 1, 1)).toBe(0);
    expect(usedTap()).toBe(true);
  });
  it("3x3 pad 1, Cin 3, width 16, batch 2 (batched columns), Cout 13", () => {
    expect(check(2, 3, 5, 16, 13, 3, 3, 1, 1, 1)).toBe(0);
    expect(usedTap()).toBe(true);
  });
  it("3x3 pad 1, Cin 16, width 24, Cout 9", () => {
    expect(check(1, 16, 6, 24, 9, 3, 3, 1, 1, 1)).toBe(0);
    expect(usedTap()).toBe(true);
  });
  it("3x3 pad 1, Cin 64 (K = 576: 2 blocks), width 56, Cout 14 (4-row remainder)", () => {
    expect(check(1, 64, 4, 56, 14, 3, 3, 1, 1, 1)).toBe(0);
    expect(usedTap()).toBe(true);
  });
  it("3x3 pad 1, Cin 64, width 56, batch 2, Cout 4 (M < 5)", () => {
    expect(check(2, 64, 3, 56, 4, 3, 3, 1, 1, 1)).toBe(0);
    expect(usedTap()).toBe(true);
  });
  it("5x5 pad 2, Cin 16 (K = 400: 2 blocks), width 8, batch 2, Cout 12", () => {
    expect(check(2, 16, 8, 8, 12, 5, 5, 1, 2, 2)).toBe(0);
    expect(usedTap()).toBe(true);
  });
  it("5x5 pad 2, Cin 3, width 16, Cout 6", () => {
    expect(check(1, 3, 9, 16, 6, 5, 5, 1, 2, 2)).toBe(0);
    expect(usedTap()).toBe(true);
  });
  it("3x3 pad 0, Cin 3, width 10 (OW 8), batch 3, Cout 6", () => {
    expect(check(3, 3, 6, 10, 6, 3, 3, 1, 0, 0)).toBe(0);
    expect(usedTap()).toBe(true);
  });
  it("5x5 pad 0, Cin 1, width 20 (OW 16), Cout 11", () => {
    expect(check(1, 1, 9, 20, 11, 5, 5, 1, 0, 0)).toBe(0);
    expect(usedTap()).toBe(true);
  });
  it("3x1 pad (1, 0): KW 1 keeps plain panels", () => {
    expect(check(1, 8, 8, 16, 7, 3, 1, 1, 1, 0)).toBe(0);
    expect(packs).toBe(0);
  });
  it("3x3 pad 1, width 7: panels would straddle rows, plain panels", () => {
    expect(check(2, 8, 7, 7, 9, 3, 3, 1, 1, 1)).toBe(0);
    expect(packs).toBe(0);
  });
  it("3x3 stride 2: plain panels", () => {
    expect(check(1, 8, 33, 33, 9, 3, 3, 2, 1, 1)).toBe(0);
    expect(packs).toBe(0);
  });
  it("5x5 pad 2, Cin 64 (K blocks of 229, not whole rows): plain panels", () => {
    expect(check(1, 64, 3, 16, 6, 5, 5, 1, 2, 2)).toBe(0);
    expect(packs).toBe(0);
  });
  it("parts (column ranges on and off panel boundaries) = whole op, 3x3 Cin 16 width 24", () => {
    expect(check(1, 16, 7, 24, 9, 3, 3, 1, 1, 1, 3)).toBe(0);
    expect(check(1, 16, 7, 24, 9, 3, 3, 1, 1, 1, 5)).toBe(0);
  });
});

describe("tap-shared B panels in backward data (a stride-1 conv of dy)", () => {
  it("3x3 pad 1, Cin 16, Cout 7 (flipped: Cin >= 2 Cout), width 16: dx same bits", () => {
    const N = 1, C = 16, H = 5, W = 16, K = 7;
    const p = descriptor([N, C, H, W, K, 3, 3, 1, 1, 1, 1, 1, 1, 1, H, W]);
    const dy = allocFilled(N * K * H * W), w = allocFilled(K * C * 9);
    const xN = N * C * H * W;
    const dx0 = heap.alloc(<usize>xN << 2), dx1 = heap.alloc(<usize>xN << 2);
    const ws = heap.alloc(max<usize>(conv2dWorkspaceBytes(p, 1), 16));
    setGemmForceWide(true);
    setGemmTapShared(true);
    conv2dBackwardData(p, dy, w, dx1, 0, ws);
    packs = gemmTapSharedPacks();
    setGemmTapShared(false);
    conv2dBackwardData(p, dy, w, dx0, 0, ws);
    setGemmTapShared(true);
    setGemmForceWide(false);
    expect(bitsDiffer(dx1, dx0, xN)).toBe(0);
    expect(usedTap()).toBe(true);
    heap.free(p); heap.free(dy); heap.free(w); heap.free(dx0); heap.free(dx1); heap.free(ws);
  });
});
