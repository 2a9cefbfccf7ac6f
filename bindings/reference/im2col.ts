/**
 * im2col / col2im for one image and one channel group, the bridge between conv2d and GEMM.
 * The column matrix has (C/groups)·KH·KW rows — one per (channel, kernel row u, kernel col v) —
 * and OH·OW columns; row (c, u, v), column (i, j) holds x[c, i·SH − PH + u·DH, j·SW − PW + v·DW]
 * (zero outside the image). Valid j ranges are computed once per row so the inner loops have no
 * bounds tests.
 */
import type { Conv2dParams } from '../ops/conv2d_params';

/** Output columns j whose input column j·sw − pw + offset lies in [0, w): [first, end). */
function validColumns(p: Conv2dParams, offset: number): [number, number] {
  const first = Math.max(0, Math.ceil((p.pw - offset) / p.sw));
  const end = Math.min(p.ow, Math.floor((p.w - 1 + p.pw - offset) / p.sw) + 1);
  return [first, Math.max(first, end)];
}

/** Fills `col` (from index 0) with the column matrix of the group whose first channel is at `xOffset`. */
export function im2col(p: Conv2dParams, x: Float32Array, xOffset: number, col: Float32Array): void {
  const { h, w, kh, kw, sh, sw, ph, dh, dw, oh, ow } = p;
  const channels = p.c / p.groups;
  let o = 0;
  for (let c = 0; c < channels; c++) {
    const plane = xOffset + c * h * w;
    for (let u = 0; u < kh; u++) {
      for (let v = 0; v < kw; v++) {
        const [first, end] = validColumns(p, v * dw);
        const shift = v * dw - p.pw;
        for (let i = 0; i < oh; i++) {
          const row = i * sh - ph + u * dh;
          if (row < 0 || row >= h) {
            col.fill(0, o, o + ow);
            o += ow;
            continue;
          }
          const base = plane + row * w + shift;
          col.fill(0, o, o + first);
          for (let j = first; j < end; j++) col[o + j] = x[base + j * sw];
          col.fill(0, o + end, o + ow);
          o += ow;
        }
      }
    }
  }
}

/** Adds the column matrix `col` back onto the group's input gradient at `dxOffset` (the adjoint of im2col). */
export function col2imAdd(p: Conv2dParams, col: Float32Array, dx: Float32Array, dxOffset: number): void {
  const { h, w, kh, kw, sh, sw, ph, dh, dw, oh, ow } = p;
  const channels = p.c / p.groups;
  let o = 0;
  for (let c = 0; c < channels; c++) {
    const plane = dxOffset + c * h * w;
    for (let u = 0; u < kh; u++) {
      for (let v = 0; v < kw; v++) {
        const [first, end] = validColumns(p, v * dw);
        const shift = v * dw - p.pw;
        for (let i = 0; i < oh; i++, o += ow) {
          const row = i * sh - ph + u * dh;
          if (row < 0 || row >= h) continue;
          const base = plane + row * w + shift;
          for (let j = first; j < end; j++) dx[base + j * sw] += col[o + j];
        }
      }
    }
  }
}
