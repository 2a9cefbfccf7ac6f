/**
 * Validation and option parsing of every NnOps function (ops/nn.ts), shared by both backends so they
 * reject the same inputs with the same typed errors. Everything here works on shapes and plain
 * values; the backends check tensor ownership first (their `input`), then call these, then allocate.
 */
import { OptionError, ShapeError } from '../errors';
import type { Tensor } from '../tensor';
import { describe, expectBool, expectFits, expectOptions, expectPair, expectRank, expectShape, fmtShape } from './checks';
import type { Activation, BatchNormOptions, BatchNormSaved, Pool2dOptions } from './nn';

export const ACTIVATIONS: readonly Activation[] = ['relu', 'relu6', 'hardsigmoid', 'sigmoid', 'hsig3'];

export function checkActivation(op: string, kind: unknown): Activation {
  if (typeof kind !== 'string' || !(ACTIVATIONS as readonly string[]).includes(kind)) {
    throw new OptionError(`${op}: kind must be one of ${ACTIVATIONS.map((k) => `'${k}'`).join(', ')}, got ${describe(kind)}`);
  }
  return kind as Activation;
}

/** `b` must have the shape of `a`. */
export function checkSameShape(op: string, a: Tensor, aName: string, b: Tensor, bName: string): void {
  expectShape(b.shape, a.shape, op, bName, ` (the shape of ${aName})`);
}

/** A finite number (OptionError otherwise). */
export function expectFinite(value: unknown, op: string, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new OptionError(`${op}: ${name} must be a finite number, got ${describe(value)}`);
  }
  return value;
}

export function parseAddOptions(op: string, options: unknown): { relu: boolean } {
  const o = expectOptions<{ relu: boolean }>(options, op, ['relu']);
  return { relu: expectBool(o.relu, op, 'relu', false) };
}

// ---- BatchNorm ----

/** x (N, C, S…) seen as (N, C, S) with S the product of the trailing dimensions (1 for (N, C)). */
export interface BatchNormPlan {
  n: number;
  c: number;
  s: number;
  training: boolean;
  momentum: number;
  eps: number;
  relu: boolean;
  weight: Tensor | null;
  bias: Tensor | null;
  runningMean: Tensor | null;
  runningVar: Tensor | null;
  residual: Tensor | null;
}

const STATE_KEYS = ['weight', 'bias', 'runningMean', 'runningVar'] as const;
type StateKey = (typeof STATE_KEYS)[number];
/** The backend's ownership check of a tensor argument. */
export type TensorInput = (value: unknown, arg: string) => Tensor;

function xDims(op: string, x: Tensor): { n: number; c: number; s: number } {
  const shape = x.shape;
  if (shape.length < 2 || shape.length > 4) {
    throw new ShapeError(`${op}: x must have 2, 3 or 4 dimensions ((N, C), (N, C, L) or (N, C, H, W)), got shape ${fmtShape(shape)}`);
  }
  expectRank(shape, op, 'x', ['N', 'C', 'H', 'W'].slice(0, shape.length));
  return { n: shape[0], c: shape[1], s: shape.slice(2).reduce((a, b) => a * b, 1) };
}

/** The state's tensors (each null or shape (C)), ownership checked through `input`. */
function readState(op: string, state: unknown, c: number, input: TensorInput): Record<StateKey, Tensor | null> {
  if (state === null || typeof state !== 'object' || Array.isArray(state)) {
    throw new OptionError(`${op}: state must be an object { weight, bias, runningMean, runningVar }, got ${describe(state)}`);
  }
  const s = expectOptions<Record<StateKey, unknown>>(state, `${op}: state`, STATE_KEYS);
  const out = {} as Record<StateKey, Tensor | null>;
  for (const key of STATE_KEYS) {
    const v = s[key];
    if (v === undefined || v === null) {
      out[key] = null;
      continue;
    }
    const t = input(v, `state.${key}`);
    expectShape(t.shape, [c], op, `state.${key}`, ' (C, the channels of x)');
    out[key] = t;
  }
  return out;
}

function checkRunningStats(op: string, st: Record<StateKey, Tensor | null>, why: string): void {
  for (const key of ['runningMean', 'runningVar'] as const) {
    if (!st[key]) throw new OptionError(`${op}: state.${key} is required ${why}`);
  }
}

function parseEps(op: string, value: unknown): number {
  if (value === undefined) return 1e-5;
  const eps = expectFinite(value, op, 'eps');
  if (eps <= 0) throw new OptionError(`${op}: eps must be > 0, got ${eps}`);
  return eps;
}

/** PyTorch raises for one value per channel in training mode (the variance is undefined). */
function checkTrainingCount(op: string, x: Tensor, n: number, s: number): void {
  if (n * s <= 1) {
    throw new ShapeError(`${op}: training mode needs more than 1 value per channel, got x of shape ${fmtShape(x.shape)}`);
  }
}

export function resolveBatchNorm(op: string, x: Tensor, state: unknown, options: unknown, input: TensorInput): BatchNormPlan {
  const { n, c, s } = xDims(op, x);
  const o = expectOptions<BatchNormOptions>(options, op, ['training', 'momentum', 'eps', 'residual', 'relu']);
  if (typeof o.training !== 'boolean') {
    throw new OptionError(`${op}: options.training must be true or false, got ${describe(o.training)}`);
  }
  const training = o.training;
  let momentum = 0.1;
  if (o.momentum !== undefined) {
    momentum = expectFinite(o.momentum, op, 'momentum');
    if (momentum < 0 || momentum > 1) throw new OptionError(`${op}: momentum must be in [0, 1], got ${momentum}`);
  }
  const eps = parseEps(op, o.eps);
  const relu = expectBool(o.relu, op, 'relu', false);
  const st = readState(op, state, c, input);
  if (!training) checkRunningStats(op, st, 'in eval mode (training: false)');
  else checkTrainingCount(op, x, n, s);
  let residual: Tensor | null = null;
  if (o.residual !== undefined && o.residual !== null) {
    residual = input(o.residual, 'residual');
    checkSameShape(op, x, 'x', residual, 'residual');
  }
  return { n, c, s, training, momentum, eps, relu, residual, ...st };
}

export interface BatchNormBackwardPlan {
  n: number;
  c: number;
  s: number;
  training: boolean;
  eps: number;
  needs: { dx: boolean; dweight: boolean; dbias: boolean };
  weight: Tensor | null;
  runningMean: Tensor | null;
  runningVar: Tensor | null;
  mean: Tensor | null;
  invStd: Tensor | null;
}

export function resolveBatchNormBackward(op: string, x: Tensor, dy: Tensor, state: unknown, saved: unknown,
  options: unknown, input: TensorInput): BatchNormBackwardPlan {
  const { n, c, s } = xDims(op, x);
  checkSameShape(op, x, 'x', dy, 'dy');
  const o = expectOptions<{ training: boolean; eps: number; needs: object }>(options, op, ['training', 'eps', 'needs']);
  if (typeof o.training !== 'boolean') {
    throw new OptionError(`${op}: options.training must be true or false, got ${describe(o.training)}`);
  }
  const training = o.training;
  const eps = parseEps(op, o.eps);
  const st = readState(op, state, c, input);
  const nd = expectOptions<{ dx: boolean; dweight: boolean; dbias: boolean }>(o.needs, `${op}: needs`, ['dx', 'dweight', 'dbias']);
  const needs = {
    dx: expectBool(nd.dx, op, 'needs.dx', true),
    dweight: expectBool(nd.dweight, op, 'needs.dweight', st.weight !== null),
    dbias: expectBool(nd.dbias, op, 'needs.dbias', st.bias !== null),
  };
  let mean: Tensor | null = null;
  let invStd: Tensor | null = null;
  if (training) {
    checkTrainingCount(op, x, n, s);
    if (saved === null || saved === undefined || typeof saved !== 'object') {
      throw new OptionError(`${op}: saved (the forward's result.saved) is required in training mode, got ${describe(saved)}`);
    }
    const sv = saved as { mean?: unknown; invStd?: unknown };
    mean = input(sv.mean, 'saved.mean');
    invStd = input(sv.invStd, 'saved.invStd');
    expectShape(mean.shape, [c], op, 'saved.mean', ' (C)');
    expectShape(invStd.shape, [c], op, 'saved.invStd', ' (C)');
  } else {
    checkRunningStats(op, st, 'in eval mode (training: false)');
  }
  return { n, c, s, training, eps, needs, weight: st.weight, runningMean: st.runningMean, runningVar: st.runningVar, mean, invStd };
}

// ---- pooling ----

export interface Pool2dPlan {
  n: number; c: number; h: number; w: number;
  kh: number; kw: number; sh: number; sw: number; ph: number; pw: number; dh: number; dw: number;
  oh: number; ow: number;
  ceilMode: boolean;
  countIncludePad: boolean;
}

const POOL_KEYS = { max: ['kernelSize', 'stride', 'padding', 'dilation', 'ceilMode'], avg: ['kernelSize', 'stride', 'padding', 'ceilMode', 'countIncludePad'] };

/** PyTorch's pooling_output_shape: with ceil_mode the last window must start inside the input or the left padding. */
export function poolOutputSize(size: number, k: number, pad: number, stride: number, dilation: number, ceilMode: boolean): number {
  let out = Math.floor((size + 2 * pad - dilation * (k - 1) - 1 + (ceilMode ? stride - 1 : 0)) / stride) + 1;
  if (ceilMode && (out - 1) * stride >= size + pad) out--;
  return out;
}

/** xShape (N, C, H, W) of a backward op given as a plain array. */
export function checkXShape(op: string, value: unknown): number[] {
  if (!Array.isArray(value) || value.some((d) => typeof d !== 'number' || !Number.isInteger(d))) {
    throw new ShapeError(`${op}: xShape must be an array of integers (N, C, H, W), got ${describe(value)}`);
  }
  expectRank(value, op, 'xShape', ['N', 'C', 'H', 'W']);
  expectFits(value, op, 'dx');
  return value.slice();
}

export function resolvePool2d(op: string, kind: 'max' | 'avg', xShape: readonly number[], options: unknown): Pool2dPlan {
  if (options === undefined) throw new OptionError(`${op}: options with kernelSize are required`);
  const o = expectOptions<Pool2dOptions>(options, op, POOL_KEYS[kind]);
  if (o.kernelSize === undefined) throw new OptionError(`${op}: kernelSize is required`);
  const [kh, kw] = expectPair(o.kernelSize, op, 'kernelSize', 1, 1);
  const [sh, sw] = o.stride === undefined ? [kh, kw] : expectPair(o.stride, op, 'stride', 1, 1);
  const [ph, pw] = expectPair(o.padding, op, 'padding', 0, 0);
  const [dh, dw] = kind === 'max' ? expectPair(o.dilation, op, 'dilation', 1, 1) : [1, 1];
  const ceilMode = expectBool(o.ceilMode, op, 'ceilMode', false);
  const countIncludePad = kind === 'avg' ? expectBool(o.countIncludePad, op, 'countIncludePad', true) : false;
  if (ph > kh / 2 || pw > kw / 2) {
    throw new OptionError(`${op}: padding must be at most half the kernel size (as in PyTorch), got padding ` +
      `[${ph}, ${pw}] for kernelSize [${kh}, ${kw}]`);
  }
  expectRank(xShape, op, 'x', ['N', 'C', 'H', 'W']);
  const [n, c, h, w] = xShape;
  const oh = poolOutputSize(h, kh, ph, sh, dh, ceilMode);
  const ow = poolOutputSize(w, kw, pw, sw, dw, ceilMode);
  if (oh < 1 || ow < 1) {
    throw new ShapeError(`${op}: x of shape ${fmtShape(xShape)} gives an empty output ${oh}x${ow} for kernelSize ` +
      `[${kh}, ${kw}], stride [${sh}, ${sw}], padding [${ph}, ${pw}], dilation [${dh}, ${dw}]`);
  }
  expectFits([n, c, oh, ow], op, 'output');
  return { n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, ceilMode, countIncludePad };
}

export const poolOutputShape = (p: Pool2dPlan): number[] => [p.n, p.c, p.oh, p.ow];

/** The kernels' 16-i32 pool descriptor (docs/ARCHITECTURE.md, "NnOps kernels"). */
export const poolDescriptor = (p: Pool2dPlan): number[] =>
  [p.n, p.c, p.h, p.w, p.kh, p.kw, p.sh, p.sw, p.ph, p.pw, p.dh, p.dw, p.oh, p.ow, p.countIncludePad ? 1 : 0, 0];

export function checkPoolGradOutput(op: string, p: Pool2dPlan, dy: Tensor): void {
  expectShape(dy.shape, poolOutputShape(p), op, 'dy', ' (N, C, OH, OW of the forward output)');
}

/** x must be (N, C, H, W). */
export function checkImage(op: string, x: Tensor): number[] {
  expectRank(x.shape, op, 'x', ['N', 'C', 'H', 'W']);
  return x.shape.slice();
}

export function resolveAdaptiveSize(op: string, outputSize: unknown): [number, number] {
  if (outputSize === undefined) throw new OptionError(`${op}: outputSize is required`);
  return expectPair(outputSize, op, 'outputSize', 1, 1);
}

/** dy (N, C, OH, OW) against xShape (N, C, H, W). */
export function checkAdaptiveGradOutput(op: string, xShape: readonly number[], dy: Tensor): void {
  expectRank(dy.shape, op, 'dy', ['N', 'C', 'OH', 'OW']);
  if (dy.shape[0] !== xShape[0] || dy.shape[1] !== xShape[1]) {
    throw new ShapeError(`${op}: dy ${fmtShape(dy.shape)} must have the N and C of xShape ${fmtShape(xShape)}`);
  }
}

// ---- softmax, dropout, reshape ----

/** x must be (N, K). */
export function checkRows(op: string, x: Tensor, arg = 'x'): { n: number; k: number } {
  expectRank(x.shape, op, arg, ['N', 'K']);
  return { n: x.shape[0], k: x.shape[1] };
}

export function parseTemperature(op: string, options: unknown): number {
  const o = expectOptions<{ temperature: number }>(options, op, ['temperature']);
  if (o.temperature === undefined) return 1;
  const t = expectFinite(o.temperature, op, 'temperature');
  if (t <= 0) throw new OptionError(`${op}: temperature must be > 0, got ${t}`);
  return t;
}

/** p in [0, 1), seed a uint32; returns the inverted-dropout scale as PyTorch's float32 1/(1 − p). */
export function checkDropout(op: string, p: unknown, seed: unknown): { p: number; seed: number; scale: number } {
  if (typeof p !== 'number' || !(p >= 0 && p < 1)) {
    throw new OptionError(`${op}: p must be a number in [0, 1), got ${describe(p)}`);
  }
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new OptionError(`${op}: seed must be an integer in [0, 2^32), got ${describe(seed)}`);
  }
  return { p, seed, scale: Math.fround(1 / Math.fround(1 - p)) };
}

/** The new shape (one -1 inferred); ShapeError unless it holds exactly x's elements. */
export function resolveReshape(op: string, xShape: readonly number[], shape: unknown): number[] {
  if (!Array.isArray(shape) || shape.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < -1)) {
    throw new ShapeError(`${op}: shape must be an array of integers >= 0 (one may be -1), got ${describe(shape)}`);
  }
  const size = xShape.reduce((a, b) => a * b, 1);
  const inferred = shape.filter((d) => d === -1).length;
  if (inferred > 1) throw new ShapeError(`${op}: only one dimension of shape may be -1, got ${fmtShape(shape)}`);
  const known = shape.reduce((a: number, d: number) => (d === -1 ? a : a * d), 1);
  const out = shape.slice() as number[];
  if (inferred === 1) {
    if (known === 0 || size % known !== 0) {
      throw new ShapeError(`${op}: shape ${fmtShape(shape)} cannot hold the ${size} elements of x ${fmtShape(xShape)}`);
    }
    out[out.indexOf(-1)] = size / known;
  } else if (known !== size) {
    throw new ShapeError(`${op}: shape ${fmtShape(shape)} has ${known} elements but x ${fmtShape(xShape)} has ${size}`);
  }
  return out;
}

export function checkAxpby(op: string, a: unknown, b: unknown): { a: number; b: number } {
  return { a: expectFinite(a, op, 'a'), b: expectFinite(b, op, 'b') };
}

/** The forward's saved batch statistics; dispose() frees both tensors. */
export function batchNormSaved(mean: Tensor, invStd: Tensor): BatchNormSaved {
  return { mean, invStd, dispose() { mean.dispose(); invStd.dispose(); } };
}
