/**
 * conv2d option normalisation and shape checks, shared by both backends. Everything here works on
 * shapes only, so validation happens before any allocation and a failed call changes nothing.
 */
import { OptionError, ShapeError } from '../errors';
import type { Tensor } from '../tensor';
import type { Conv2dParams } from './conv2d_params';
import type { FusedActivation } from './fused_output';
import {
  backwardNeeds, expectFits, expectInt, expectOptions, expectPair, expectRank, expectShape, fmtShape, type BackwardNeedsOptions,
} from './checks';

/** One value for both spatial dimensions, or [height, width]. */
export type Pair = number | readonly [number, number];
/** Zero padding: a Pair, `'valid'` (no padding) or `'same'` (output size = input size; needs stride 1, as in PyTorch). */
export type Padding = Pair | 'same' | 'valid';

/** Geometry of a convolution, as in torch.nn.functional.conv2d. */
export interface Conv2dGeometry {
  /** Step of the kernel; integers ≥ 1, default 1. */
  stride?: Pair;
  /** Zero padding on each side; integers ≥ 0, `'same'` or `'valid'`, default 0. */
  padding?: Padding;
  /** Spacing between kernel elements; integers ≥ 1, default 1. */
  dilation?: Pair;
  /** Number of blocked connections from input to output channels; integer ≥ 1, default 1. */
  groups?: number;
}

/** Options of conv2d: the geometry plus an optional bias, and the fused output (issue 11). */
export interface Conv2dOptions extends Conv2dGeometry {
  /** Bias added to every output channel, shape (Cout); default none. */
  bias?: Tensor | null;
  /**
   * Applied to the final value in the conv's output write: y = act(conv(x, w) + bias + residual).
   * Default none.
   */
  activation?: FusedActivation | null;
  /** Added to the output before the activation; the output's shape (N, Cout, OH, OW). Default none. */
  residual?: Tensor | null;
  /**
   * Write the result into this tensor (same backend, exactly the output's shape) and return it. It
   * may be `residual` itself (in place: y += conv …) but must not overlap x, weight or bias.
   */
  out?: Tensor | null;
}

/** `bias`: true (or the bias tensor) when the forward pass had a bias, then db is computed by default;
 *  `needs`: which gradients to compute, default dx and dw (and db when `bias` is set). */
export interface Conv2dBackwardOptions extends Conv2dGeometry, BackwardNeedsOptions {}

/** Gradients returned by conv2dBackward; a field is set only when it was requested. */
export interface Conv2dGrads {
  /** Gradient with respect to x, shape (N, C, H, W). */
  dx?: Tensor;
  /** Gradient with respect to weight, shape (Cout, C/groups, kh, kw). */
  dw?: Tensor;
  /** Gradient with respect to bias, shape (Cout). */
  db?: Tensor;
}

export const CONV2D_OPTION_KEYS = ['bias', 'stride', 'padding', 'dilation', 'groups', 'activation', 'residual', 'out'] as const;
/** The backward has no fused output: only the forward's geometry and bias, plus `needs`. */
export const CONV2D_BACKWARD_OPTION_KEYS = ['bias', 'stride', 'padding', 'dilation', 'groups', 'needs'] as const;

const X_DIMS = ['N', 'C', 'H', 'W'] as const;
const W_DIMS = ['Cout', 'Cin/groups', 'kh', 'kw'] as const;

/** Reads the options object (OptionError for anything malformed). Shapes come next. */
export function parseConv2dOptions(op: string, options: unknown, keys: readonly string[] = CONV2D_OPTION_KEYS) {
  const o = expectOptions<Conv2dBackwardOptions>(options, op, keys);
  const stride = expectPair(o.stride, op, 'stride', 1, 1);
  const dilation = expectPair(o.dilation, op, 'dilation', 1, 1);
  const groups = o.groups === undefined ? 1 : expectInt(o.groups, op, 'groups', 1);
  const padding = parsePadding(op, o.padding);
  if (padding === 'same' && (stride[0] !== 1 || stride[1] !== 1)) {
    throw new OptionError(`${op}: padding='same' needs stride 1 (as in PyTorch), got stride [${stride.join(', ')}]`);
  }
  return { stride, dilation, groups, padding, raw: o };
}

function parsePadding(op: string, padding: unknown): [number, number] | 'same' {
  if (padding === 'valid') return [0, 0];
  if (padding === 'same') return 'same';
  if (typeof padding === 'string') {
    throw new OptionError(`${op}: padding must be a number, [h, w], 'same' or 'valid', got '${padding}'`);
  }
  return expectPair(padding, op, 'padding', 0, 0);
}

/**
 * Resolves x/w/(bias) shapes plus options into the kernel descriptor. Throws ShapeError when the
 * shapes disagree, OptionError for bad options.
 */
export function resolveConv2d(
  op: string,
  xShape: readonly number[],
  wShape: readonly number[],
  options: unknown,
  keys: readonly string[] = CONV2D_OPTION_KEYS,
): Conv2dParams {
  const { stride, dilation, groups, padding } = parseConv2dOptions(op, options, keys);
  expectRank(xShape, op, 'x', X_DIMS);
  expectRank(wShape, op, 'weight', W_DIMS);
  const [n, c, h, w] = xShape;
  const [k, cPerGroup, kh, kw] = wShape;
  if (c % groups !== 0) {
    throw new ShapeError(`${op}: x has ${c} channels, which is not divisible by groups=${groups}`);
  }
  if (k % groups !== 0) {
    throw new ShapeError(`${op}: weight has ${k} output channels, which is not divisible by groups=${groups}`);
  }
  if (cPerGroup !== c / groups) {
    throw new ShapeError(`${op}: weight has ${cPerGroup} input channels per group but x has ${c} channels ` +
      `(groups=${groups}, so ${c / groups} expected)`);
  }
  const [ph, pw] = padding === 'same' ? samePadding(op, [kh, kw], dilation) : padding;
  const [sh, sw] = stride;
  const [dh, dw] = dilation;
  const oh = Math.floor((h + 2 * ph - dh * (kh - 1) - 1) / sh) + 1;
  const ow = Math.floor((w + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
  if (oh < 1 || ow < 1) {
    throw new ShapeError(`${op}: padded input ${h + 2 * ph}x${w + 2 * pw} is smaller than the dilated kernel ` +
      `${dh * (kh - 1) + 1}x${dw * (kw - 1) + 1} (x ${fmtShape(xShape)}, weight ${fmtShape(wShape)})`);
  }
  const p = { n, c, h, w, k, kh, kw, sh, sw, ph, pw, dh, dw, groups, oh, ow };
  expectFits(conv2dOutputShape(p), op, 'output');
  return p;
}

/** PyTorch's 'same' padding; the kernels pad symmetrically, so the total padding must be even. */
function samePadding(op: string, kernel: [number, number], dilation: [number, number]): [number, number] {
  return [0, 1].map((i) => {
    const total = dilation[i] * (kernel[i] - 1);
    if (total % 2 !== 0) {
      throw new OptionError(`${op}: padding='same' with an even dilated kernel extent (kernel ${kernel.join('x')}, ` +
        `dilation ${dilation.join('x')}) needs asymmetric padding, which is not supported; pad explicitly`);
    }
    return total / 2;
  }) as [number, number];
}

export const conv2dOutputShape = (p: Conv2dParams): number[] => [p.n, p.k, p.oh, p.ow];
export const conv2dInputShape = (p: Conv2dParams): number[] => [p.n, p.c, p.h, p.w];
export const conv2dWeightShape = (p: Conv2dParams): number[] => [p.k, p.c / p.groups, p.kh, p.kw];

/** Checks the bias shape: (Cout). */
export function checkConv2dBias(op: string, p: Conv2dParams, biasShape: readonly number[]): void {
  expectShape(biasShape, [p.k], op, 'bias', ' (Cout)');
}

/** Checks dy: (N, Cout, OH, OW). */
export function checkConv2dGradOutput(op: string, p: Conv2dParams, dyShape: readonly number[]): void {
  expectShape(dyShape, conv2dOutputShape(p), op, 'dy', ' (N, Cout, OH, OW of the forward output)');
}

/** Which gradients conv2dBackward computes (and the bias tensor to check, if any). */
export const conv2dNeeds = (op: string, options: Conv2dBackwardOptions | undefined): ReturnType<typeof backwardNeeds> =>
  backwardNeeds(op, options);
