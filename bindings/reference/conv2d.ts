/**
 * Reference conv2d on Float32Arrays (any views, any byteOffset), mirroring the wasm kernel ABI:
 * per image and channel group, im2col + GEMM; pointwise convolutions (1×1, stride 1, no padding)
 * skip im2col because the input already is the column matrix.
 * Layouts as PyTorch: x (N,C,H,W), w (Cout, C/groups, KH, KW), y (N,Cout,OH,OW).
 */
import type { Conv2dParams } from '../ops/conv2d_params';
import { ShapeError } from '../errors';
import { mat, sgemm } from './gemm';
import { col2imAdd, im2col } from './im2col';
import { scratch } from './scratch';

/** Per-group sizes derived from the descriptor. */
function geometry(p: Conv2dParams) {
  const cg = p.c / p.groups; // input channels per group
  const kg = p.k / p.groups; // output channels per group
  const patch = cg * p.kh * p.kw; // rows of the column matrix = one filter's length
  const outPlane = p.oh * p.ow;
  const inPlane = p.h * p.w;
  const pointwise = p.kh === 1 && p.kw === 1 && p.sh === 1 && p.sw === 1 && p.ph === 0 && p.pw === 0;
  return { cg, kg, patch, outPlane, inPlane, pointwise };
}

/** Kernels trust the bindings' validation, but a too-short array would silently read undefined. */
function expectLength(op: string, name: string, a: Float32Array, length: number): void {
  if (a.length < length) throw new ShapeError(`${op}: ${name} has ${a.length} elements, needs ${length}`);
}

function checkArrays(op: string, p: Conv2dParams, x: [string, Float32Array], w: Float32Array, y: [string, Float32Array]) {
  expectLength(op, x[0], x[1], p.n * p.c * p.h * p.w);
  expectLength(op, 'w', w, p.k * (p.c / p.groups) * p.kh * p.kw);
  expectLength(op, y[0], y[1], p.n * p.k * p.oh * p.ow);
}

/** y = conv(x, w) + b (b null: no bias). Overwrites y. */
export function conv2dForward(p: Conv2dParams, x: Float32Array, w: Float32Array, b: Float32Array | null, y: Float32Array): void {
  checkArrays('conv2dForward', p, ['x', x], w, ['y', y]);
  const { cg, kg, patch, outPlane, inPlane, pointwise } = geometry(p);
  const col = pointwise ? x : scratch('columns', patch * outPlane);
  for (let n = 0; n < p.n; n++) {
    for (let g = 0; g < p.groups; g++) {
      const xOffset = (n * p.c + g * cg) * inPlane;
      if (!pointwise) im2col(p, x, xOffset, col);
      const columns = mat(col, pointwise ? xOffset : 0, outPlane);
      const yOffset = (n * p.k + g * kg) * outPlane;
      sgemm(kg, outPlane, patch, mat(w, g * kg * patch, patch), columns, y, yOffset, outPlane, false);
    }
    if (b) {
      for (let o = 0; o < p.k; o++) {
        const start = (n * p.k + o) * outPlane;
        const bias = b[o];
        for (let i = start; i < start + outPlane; i++) y[i] += bias;
      }
    }
  }
}

/** dx = conv_transpose(dy, w): the gradient with respect to x. Overwrites dx. */
export function conv2dBackwardData(p: Conv2dParams, dy: Float32Array, w: Float32Array, dx: Float32Array): void {
  checkArrays('conv2dBackwardData', p, ['dx', dx], w, ['dy', dy]);
  const { cg, kg, patch, outPlane, inPlane, pointwise } = geometry(p);
  const col = pointwise ? dx : scratch('columns', patch * outPlane);
  if (!pointwise) dx.fill(0, 0, p.n * p.c * inPlane);
  for (let n = 0; n < p.n; n++) {
    for (let g = 0; g < p.groups; g++) {
      const dxOffset = (n * p.c + g * cg) * inPlane;
      const dyOffset = (n * p.k + g * kg) * outPlane;
      // columns = w_gᵀ · dy_g, (patch × kg)·(kg × outPlane); pointwise writes straight into dx.
      sgemm(patch, outPlane, kg, mat(w, g * kg * patch, patch, true), mat(dy, dyOffset, outPlane),
        col, pointwise ? dxOffset : 0, outPlane, false);
      if (!pointwise) col2imAdd(p, col, dx, dxOffset);
    }
  }
}

/** dw = Σ_n dy ⋆ x and db = Σ_{n,h,w} dy (either null: skip). Overwrites dw and db. */
export function conv2dBackwardWeight(
  p: Conv2dParams, x: Float32Array, dy: Float32Array, dw: Float32Array | null, db: Float32Array | null,
): void {
  if (dw) checkArrays('conv2dBackwardWeight', p, ['x', x], dw, ['dy', dy]);
  else expectLength('conv2dBackwardWeight', 'dy', dy, p.n * p.k * p.oh * p.ow);
  const { cg, kg, patch, outPlane, inPlane, pointwise } = geometry(p);
  const col = !dw || pointwise ? x : scratch('columns', patch * outPlane);
  for (let n = 0; dw && n < p.n; n++) {
    for (let g = 0; g < p.groups; g++) {
      const xOffset = (n * p.c + g * cg) * inPlane;
      if (!pointwise) im2col(p, x, xOffset, col);
      // dw_g (+)= dy_g · columnsᵀ, (kg × outPlane)·(outPlane × patch).
      sgemm(kg, patch, outPlane, mat(dy, (n * p.k + g * kg) * outPlane, outPlane),
        mat(col, pointwise ? xOffset : 0, outPlane, true), dw, g * kg * patch, patch, n > 0);
    }
  }
  if (db) {
    expectLength('conv2dBackwardWeight', 'db', db, p.k);
    for (let o = 0; o < p.k; o++) {
      let sum = 0;
      for (let n = 0; n < p.n; n++) {
        const start = (n * p.k + o) * outPlane;
        for (let i = start; i < start + outPlane; i++) sum += dy[i];
      }
      db[o] = sum;
    }
  }
}
