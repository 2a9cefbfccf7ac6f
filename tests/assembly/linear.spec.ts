// linearForward / linearBackward against naive f64 loops.

import { linearBackward, linearForward, linearWorkspaceBytes } from "../../assembly/nn/linear";
import { allocFilled, at, mismatch, reseed } from "./kernel_data";

reseed(777);

function badForward(N: i32, IN: i32, OUT: i32, withBias: bool): i32 {
  const x = allocFilled(N * IN), w = allocFilled(OUT * IN), y = allocFilled(N * OUT);
  const b = withBias ? allocFilled(OUT) : 0;
  const ws = heap.alloc(max<usize>(linearWorkspaceBytes(N, IN, OUT), 16));
  linearForward(N, IN, OUT, x, w, b, y, ws);
  let bad = 0;
  for (let n = 0; n < N; n++) for (let o = 0; o < OUT; o++) {
    let ref: f64 = b ? at(b, o) : 0, mag = Math.abs(ref);
    for (let i = 0; i < IN; i++) {
      const t = at(x, n * IN + i) * at(w, o * IN + i);
      ref += t; mag += Math.abs(t);
    }
    bad += mismatch(at(y, n * OUT + o), ref, mag);
  }
  heap.free(x); heap.free(w); heap.free(y); heap.free(ws);
  if (b) heap.free(b);
  return bad;
}

/** `which` bit 0: dx, bit 1: dw, bit 2: db — the rest are passed as 0 (skip) and must stay untouched. */
function badBackward(N: i32, IN: i32, OUT: i32, which: i32): i32 {
  const x = allocFilled(N * IN), w = allocFilled(OUT * IN), dy = allocFilled(N * OUT);
  const dx = allocFilled(N * IN), dw = allocFilled(OUT * IN), db = allocFilled(OUT);
  const ws = heap.alloc(max<usize>(linearWorkspaceBytes(N, IN, OUT), 16));
  linearBackward(N, IN, OUT, x, w, dy, which & 1 ? dx : 0, which & 2 ? dw : 0, which & 4 ? db : 0, ws);
  let bad = 0;
  if (which & 1) for (let n = 0; n < N; n++) for (let i = 0; i < IN; i++) {
    let ref: f64 = 0, mag: f64 = 0;
    for (let o = 0; o < OUT; o++) { const t = at(dy, n * OUT + o) * at(w, o * IN + i); ref += t; mag += Math.abs(t); }
    bad += mismatch(at(dx, n * IN + i), ref, mag);
  }
  if (which & 2) for (let o = 0; o < OUT; o++) for (let i = 0; i < IN; i++) {
    let ref: f64 = 0, mag: f64 = 0;
    for (let n = 0; n < N; n++) { const t = at(dy, n * OUT + o) * at(x, n * IN + i); ref += t; mag += Math.abs(t); }
    bad += mismatch(at(dw, o * IN + i), ref, mag);
  }
  if (which & 4) for (let o = 0; o < OUT; o++) {
    let ref: f64 = 0, mag: f64 = 0;
    for (let n = 0; n < N; n++) { const t = at(dy, n * OUT + o); ref += t; mag += Math.abs(t); }
    bad += mismatch(at(db, o), ref, mag);
  }
  heap.free(x); heap.free(w); heap.free(dy); heap.free(dx); heap.free(dw); heap.free(db); heap.free(ws);
  return bad;
}

describe("linearForward", () => {
  it("matches x·Wᵀ + b over odd and blocked sizes", () => {
    expect(badForward(1, 1, 1, true)).toBe(0);
    expect(badForward(3, 7, 5, true)).toBe(0);
    expect(badForward(4, 33, 17, false)).toBe(0);
    expect(badForward(13, 300, 65, true)).toBe(0);
    expect(badForward(2, 512, 1000, true)).toBe(0);
  });
});

describe("linearBackward", () => {
  it("dx, dw and db together", () => {
    expect(badBackward(3, 7, 5, 7)).toBe(0);
    expect(badBackward(13, 300, 65, 7)).toBe(0);
    expect(badBackward(1, 9, 1030, 7)).toBe(0);
  });
  it("each output alone (the others skipped)", () => {
    expect(badBackward(5, 11, 6, 1)).toBe(0);
    expect(badBackward(5, 11, 6, 2)).toBe(0);
    expect(badBackward(5, 11, 6, 4)).toBe(0);
  });
});
