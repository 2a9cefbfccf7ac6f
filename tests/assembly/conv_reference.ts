// Shared by the conv kernel specs: a conv case on the heap (descriptor, random x/w/b/dy, garbage
// outputs) and naive f64 loops straight from the definition, with per-element error bounds.

import { allocFilled, at as f, mismatch, reseed } from "./kernel_data";

reseed(987654321);


/** One conv2d problem in linear memory. Outputs start as garbage so "overwrites" is tested. */
export class ConvCase {
  p: usize; x: usize; w: usize; b: usize; dy: usize;
  y: usize; dx: usize; dw: usize; db: usize;
  N: i32; C: i32; H: i32; W: i32; K: i32; KH: i32; KW: i32;
  SH: i32; SW: i32; PH: i32; PW: i32; DH: i32; DW: i32; G: i32; OH: i32; OW: i32;

  constructor(N: i32, C: i32, H: i32, W: i32, K: i32, KH: i32, KW: i32,
              SH: i32, SW: i32, PH: i32, PW: i32, DH: i32, DW: i32, G: i32, bias: bool) {
    this.N = N; this.C = C; this.H = H; this.W = W; this.K = K; this.KH = KH; this.KW = KW;
    this.SH = SH; this.SW = SW; this.PH = PH; this.PW = PW; this.DH = DH; this.DW = DW; this.G = G;
    this.OH = (H + 2 * PH - DH * (KH - 1) - 1) / SH + 1;
    this.OW = (W + 2 * PW - DW * (KW - 1) - 1) / SW + 1;
    this.p = heap.alloc(64);
    const dims: i32[] = [N, C, H, W, K, KH, KW, SH, SW, PH, PW, DH, DW, G, this.OH, this.OW];
    for (let i = 0; i < 16; i++) store<i32>(this.p + (<usize>i << 2), dims[i]);
    this.x = allocFilled(N * C * H * W);
    this.w = allocFilled(this.wCount());
    this.b = bias ? allocFilled(K) : 0;
    this.dy = allocFilled(this.yCount());
    this.y = allocFilled(this.yCount());
    this.dx = allocFilled(N * C * H * W);
    this.dw = allocFilled(this.wCount());
    this.db = bias ? allocFilled(K) : 0;
  }

  wCount(): i32 { return this.K * (this.C / this.G) * this.KH * this.KW; }
  yCount(): i32 { return this.N * this.K * this.OH * this.OW; }

  /** Allocates `bytes` of workspace (at least 16 so the pointer is never 0). */
  workspace(bytes: usize): usize { return heap.alloc(max<usize>(bytes, 16)); }

  /** Mismatches of y against the definition (bias included when present). */
  badForward(): i32 {
    let bad = 0;
    const cg = this.C / this.G, kg = this.K / this.G;
    for (let n = 0; n < this.N; n++) for (let o = 0; o < this.K; o++) {
      const g = o / kg;
      for (let i = 0; i < this.OH; i++) for (let j = 0; j < this.OW; j++) {
        let ref: f64 = this.b ? f(this.b, o) : 0;
        let mag: f64 = Math.abs(ref);
        for (let c = 0; c < cg; c++) for (let u = 0; u < this.KH; u++) for (let v = 0; v < this.KW; v++) {
          const ih = i * this.SH - this.PH + u * this.DH, iw = j * this.SW - this.PW + v * this.DW;
          if (ih < 0 || ih >= this.H || iw < 0 || iw >= this.W) continue;
          const t = f(this.w, ((o * cg + c) * this.KH + u) * this.KW + v)
                  * f(this.x, ((n * this.C + g * cg + c) * this.H + ih) * this.W + iw);
          ref += t; mag += Math.abs(t);
        }
        bad += mismatch(f(this.y, ((n * this.K + o) * this.OH + i) * this.OW + j), ref, mag);
      }
    }
    return bad;
  }

  /**
   * Mismatches of dx against Σ over every (o, i, j, u, v) that reads x[n, c, h, w] — plus prior's
   * element when given (the accumulate flag: dx held prior before the kernel ran).
   */
  badData(prior: usize = 0): i32 {
    let bad = 0;
    const cg = this.C / this.G, kg = this.K / this.G;
    for (let n = 0; n < this.N; n++) for (let c = 0; c < this.C; c++) {
      const g = c / cg, cc = c - g * cg;
      for (let h = 0; h < this.H; h++) for (let wc = 0; wc < this.W; wc++) {
        const at = ((n * this.C + c) * this.H + h) * this.W + wc;
        let ref: f64 = prior ? f(prior, at) : 0, mag: f64 = Math.abs(ref);
        for (let o = g * kg; o < (g + 1) * kg; o++) for (let u = 0; u < this.KH; u++) for (let v = 0; v < this.KW; v++) {
          const ti = h + this.PH - u * this.DH, tj = wc + this.PW - v * this.DW;
          if (ti < 0 || tj < 0 || ti % this.SH != 0 || tj % this.SW != 0) continue;
          const i = ti / this.SH, j = tj / this.SW;
          if (i >= this.OH || j >= this.OW) continue;
          const t = f(this.w, ((o * cg + cc) * this.KH + u) * this.KW + v)
                  * f(this.dy, ((n * this.K + o) * this.OH + i) * this.OW + j);
          ref += t; mag += Math.abs(t);
        }
        bad += mismatch(f(this.dx, at), ref, mag);
      }
    }
    return bad;
  }

  /** Mismatches of dw (and db when present) against the sums over n, i, j. */
  badWeight(): i32 {
    let bad = 0;
    const cg = this.C / this.G, kg = this.K / this.G;
    for (let o = 0; o < this.K; o++) {
      const g = o / kg;
      for (let c = 0; c < cg; c++) for (let u = 0; u < this.KH; u++) for (let v = 0; v < this.KW; v++) {
        let ref: f64 = 0, mag: f64 = 0;
        for (let n = 0; n < this.N; n++) for (let i = 0; i < this.OH; i++) for (let j = 0; j < this.OW; j++) {
          const ih = i * this.SH - this.PH + u * this.DH, iw = j * this.SW - this.PW + v * this.DW;
          if (ih < 0 || ih >= this.H || iw < 0 || iw >= this.W) continue;
          const t = f(this.dy, ((n * this.K + o) * this.OH + i) * this.OW + j)
                  * f(this.x, ((n * this.C + g * cg + c) * this.H + ih) * this.W + iw);
          ref += t; mag += Math.abs(t);
        }
        bad += mismatch(f(this.dw, ((o * cg + c) * this.KH + u) * this.KW + v), ref, mag);
      }
      if (this.db) {
        let ref: f64 = 0, mag: f64 = 0;
        for (let n = 0; n < this.N; n++) for (let q = 0; q < this.OH * this.OW; q++) {
          const t = f(this.dy, (n * this.K + o) * this.OH * this.OW + q);
          ref += t; mag += Math.abs(t);
        }
        bad += mismatch(f(this.db, o), ref, mag);
      }
    }
    return bad;
  }

  free(): void {
    heap.free(this.p); heap.free(this.x); heap.free(this.w); heap.free(this.dy);
    heap.free(this.y); heap.free(this.dx); heap.free(this.dw);
    if (this.b) { heap.free(this.b); heap.free(this.db); }
  }
}
