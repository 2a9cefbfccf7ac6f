/**
 * Geometry the wasm kernels can index in 32-bit integers.
 *
 * The kernels compute input positions as `i·S − P + u·D`, ranges as `(S − 1 − off) / S`,
 * `limit − 1 − off`, padded extents `H + 2P`, and offsets `row·W + col`. Vector loops and packing
 * run a few chunks past the last output or tap (pack_b_conv.ts steps `iw` by NR·S = 8·S), so a
 * position can reach (O − 1 + 8)·S + (K − 1 + 8)·D. Each such term is bounded by one axis's
 * `H + 2P + 64·(S + D)` (since (O−1)·S and (K−1)·D are both ≤ H + 2P − 1), and a tensor's element
 * count is ≤ 2^30 (MAX_TENSOR_BYTES / 4). The expressions are sums of at most four such terms, so
 * when every axis has `H + 2P + 64·(S + D) ≤ SAFE_AXIS_EXTENT = 2^29`, none leaves i32.
 * (Found by the fuzzer: stride 2^28 passed a bound without the chunk headroom and trapped.)
 *
 * Validation accepts stride, padding and dilation up to 2^31 − 1 (as PyTorch), so an axis can exceed
 * that. Such an axis is rewritten exactly ("gathered"): the input is replaced along that axis by its
 * im2col rows, x'[i·K + u] = x[i·S − P + u·D] (0 outside the image), and the kernels run the
 * equivalent conv with stride K, dilation 1, padding 0 on x' — every size of which is bounded by the
 * output and kernel extents. Backward-data scatters x' gradients back through the same map. Normal
 * geometry never takes this path, so the kernels and their hot loops are unchanged.
 */
import { OutOfMemoryError } from '../errors';
import { MAX_TENSOR_BYTES, fmtShape } from './checks';
import type { Conv2dParams } from './conv2d_params';

/** Per-axis bound on H + 2P + 64·(S + D) under which every kernel index expression fits in i32 (see above). */
export const SAFE_AXIS_EXTENT = 2 ** 29;

/** True when the kernels may run this axis as is. */
export function axisFitsKernels(input: number, pad: number, stride: number, dilation: number): boolean {
  return input + 2 * pad + 64 * (stride + dilation) <= SAFE_AXIS_EXTENT;
}

/** True when conv2d geometry `p` may go to the kernels unchanged. */
export function conv2dFitsKernels(p: Conv2dParams): boolean {
  return axisFitsKernels(p.h, p.ph, p.sh, p.dh) && axisFitsKernels(p.w, p.pw, p.sw, p.dw);
}

/**
 * The source index of each gathered position along one axis: `map[i·K + u] = i·S − P + u·D` when
 * that lies in [0, input), else −1 (reads as zero).
 */
export function gatherAxisMap(input: number, out: number, kernel: number, stride: number, pad: number, dilation: number): Int32Array {
  const map = new Int32Array(out * kernel);
  for (let i = 0; i < out; i++) {
    for (let u = 0; u < kernel; u++) {
      const at = i * stride - pad + u * dilation; // exact: every term < 2^53
      map[i * kernel + u] = at >= 0 && at < input ? at : -1;
    }
  }
  return map;
}

/** An exact rewrite of a conv whose geometry does not fit the kernels (see the file comment). */
export interface GatheredConv2d {
  /** The equivalent geometry the kernels run (on the gathered input). */
  params: Conv2dParams;
  /** Gathered row → source row (−1: zero), or null when the H axis is kept as is. */
  rows: Int32Array | null;
  /** Gathered column → source column (−1: zero), or null when the W axis is kept as is. */
  cols: Int32Array | null;
}

/**
 * null when `p` fits the kernels as is; otherwise the gathered equivalent. Throws OutOfMemoryError
 * when the gathered input itself cannot exist (its size is that of the output times the kernel extent
 * along the rewritten axes).
 */
export function planConv2dGather(op: string, p: Conv2dParams): GatheredConv2d | null {
  if (conv2dFitsKernels(p)) return null;
  const gatherH = !axisFitsKernels(p.h, p.ph, p.sh, p.dh);
  const gatherW = !axisFitsKernels(p.w, p.pw, p.sw, p.dw);
  const h = gatherH ? p.oh * p.kh : p.h;
  const w = gatherW ? p.ow * p.kw : p.w;
  const shape = [p.n, p.c, h, w];
  if ((gatherH && !axisFitsKernels(h, 0, p.kh, 1)) || (gatherW && !axisFitsKernels(w, 0, p.kw, 1)) ||
    shape.reduce((a, b) => a * b, 4) > MAX_TENSOR_BYTES) {
    throw new OutOfMemoryError(`${op}: this stride/padding/dilation needs a gathered input of shape ${fmtShape(shape)} ` +
      '(output size × kernel size along the extreme axis), which does not fit in wasm32 memory');
  }
  const params: Conv2dParams = {
    ...p, h, w,
    ...(gatherH ? { sh: p.kh, ph: 0, dh: 1 } : {}),
    ...(gatherW ? { sw: p.kw, pw: 0, dw: 1 } : {}),
  };
  return {
    params,
    rows: gatherH ? gatherAxisMap(p.h, p.oh, p.kh, p.sh, p.ph, p.dh) : null,
    cols: gatherW ? gatherAxisMap(p.w, p.ow, p.kw, p.sw, p.pw, p.dw) : null,
  };
}

/** x' = x gathered along the rewritten axes (planes of `src` are p.h×p.w, of `dst` params.h×params.w). */
export function gatherConv2dInput(g: GatheredConv2d, p: Conv2dParams, src: Float32Array, dst: Float32Array): void {
  const { h, w } = g.params;
  for (let plane = 0; plane < p.n * p.c; plane++) {
    const s = plane * p.h * p.w, d = plane * h * w;
    for (let a = 0; a < h; a++) {
      const row = g.rows ? g.rows[a] : a;
      for (let b = 0; b < w; b++) {
        const col = g.cols ? g.cols[b] : b;
        dst[d + a * w + b] = row < 0 || col < 0 ? 0 : src[s + row * p.w + col];
      }
    }
  }
}

/** dx = 0, then dx += dx' scattered back through the maps (the transpose of gatherConv2dInput). */
export function scatterConv2dGrad(g: GatheredConv2d, p: Conv2dParams, src: Float32Array, dst: Float32Array): void {
  const { h, w } = g.params;
  dst.fill(0, 0, p.n * p.c * p.h * p.w);
  for (let plane = 0; plane < p.n * p.c; plane++) {
    const s = plane * h * w, d = plane * p.h * p.w;
    for (let a = 0; a < h; a++) {
      const row = g.rows ? g.rows[a] : a;
      if (row < 0) continue;
      for (let b = 0; b < w; b++) {
        const col = g.cols ? g.cols[b] : b;
        if (col >= 0) dst[d + row * p.w + col] += src[s + a * w + b];
      }
    }
  }
}
