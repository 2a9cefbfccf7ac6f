// gemvRows (gemm/gemv.ts) against an f64 reference — rows not a multiple of 4 (the one-row tail),
// lengths not a multiple of 4 or 8 (the scalar tail, the last 4-vector), a row stride wider than the row, accumulate — and
// each row's bits independent of the rows sharing its 4-row block (the one-row path sums alike).

import { gemvRows } from "../../assembly/gemm/gemv";
import { allocFilled, at, bitsDiffer, copyOf, mismatch, reseed } from "./kernel_data";

reseed(13579);

function badProduct(O: i32, I: i32, ldw: i32, accumulate: i32): i32 {
  const w = allocFilled(O * ldw), x = allocFilled(I), y0 = allocFilled(O);
  const y = copyOf(y0, O);
  gemvRows(O, I, w, ldw, x, y, accumulate);
  let bad = 0;
  for (let o = 0; o < O; o++) {
    let ref: f64 = accumulate ? at(y0, o) : 0, mag = Math.abs(ref);
    for (let i = 0; i < I; i++) {
      const t = at(w, o * ldw + i) * at(x, i);
      ref += t; mag += Math.abs(t);
    }
    bad += mismatch(at(y, o), ref, mag);
  }
  heap.free(w); heap.free(x); heap.free(y0); heap.free(y);
  return bad;
}

/** Row by row (O = 1 calls: the one-row path) gives the same bits as one call over all rows. */
function rowsDependOnTheirBlock(O: i32, I: i32): i32 {
  const w = allocFilled(O * I), x = allocFilled(I), all = allocFilled(O), single = allocFilled(O);
  gemvRows(O, I, w, I, x, all, 0);
  for (let o = 0; o < O; o++) gemvRows(1, I, w + (<usize>o * I << 2), I, x, single + (<usize>o << 2), 0);
  const bad = bitsDiffer(all, single, O);
  heap.free(w); heap.free(x); heap.free(all); heap.free(single);
  return bad;
}

describe("gemvRows", () => {
  it("matches the f64 reference", () => {
    const OS: i32[] = [1, 3, 4, 7, 8, 13, 200];
    const IS: i32[] = [1, 2, 4, 5, 12, 13, 16, 28, 33, 57, 60, 960]; // 28, 60: 7 vectors past the 32-float loop
    for (let a = 0; a < OS.length; a++) {
      for (let b = 0; b < IS.length; b++) {
        for (let acc = 0; acc < 2; acc++) expect(badProduct(OS[a], IS[b], IS[b], acc)).toBe(0);
        expect(badProduct(OS[a], IS[b], IS[b] + 3, 0)).toBe(0);
      }
    }
  });
  it("gives a row the same bits whichever rows share its block", () => {
    expect(rowsDependOnTheirBlock(9, 37)).toBe(0);
    expect(rowsDependOnTheirBlock(16, 200)).toBe(0);
  });
  it("leaves y untouched for zero rows", () => {
    const y = allocFilled(4), before = copyOf(y, 4);
    gemvRows(0, 8, 0, 8, 0, y, 0);
    expect(bitsDiffer(y, before, 4)).toBe(0);
  });
});
