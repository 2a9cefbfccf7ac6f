/**
 * The fused output options shared by conv2d and linear (issue 11): `activation` (a clamp applied to
 * the final value), `residual` (added before it) and `out` (the caller's tensor the result is
 * written into). Shapes and aliasing only, so every backend rejects the same calls with the same
 * message before allocating anything.
 */
import { OptionError, ShapeError } from '../errors';
import type { Tensor } from '../tensor';
import { describe, fmtShape } from './checks';

/** An activation fused into an op's output write. */
export type FusedActivation = 'relu' | 'relu6';

/**
 * [lo, hi] of the output clamp (XNNPACK's minmax): relu [0, +Inf], relu6 [0, 6], none [−Inf, +Inf]
 * (the kernels skip the clamp when both bounds are infinite).
 */
export function activationBounds(op: string, activation: unknown): [number, number] {
  if (activation === undefined || activation === null) return [-Infinity, Infinity];
  if (activation === 'relu') return [0, Infinity];
  if (activation === 'relu6') return [0, 6];
  throw new OptionError(`${op}: activation must be 'relu', 'relu6' or null, got ${describe(activation)}`);
}

/** True when the clamp [lo, hi] does something. */
export const clampsOutput = (lo: number, hi: number): boolean => lo !== -Infinity || hi !== Infinity;

/**
 * Where a tensor's elements live: a memory identity and a byte range [start, end). The wasm backend
 * gives (its memory, ptr, ptr + bytes); the js backend the Float32Array's buffer and byte range.
 */
export type ElementExtent = readonly [space: object, start: number, end: number];

const overlaps = (a: ElementExtent, b: ElementExtent): boolean => a[0] === b[0] && a[1] < b[2] && b[1] < a[2];
const sameRange = (a: ElementExtent, b: ElementExtent): boolean => a[0] === b[0] && a[1] === b[1] && a[2] === b[2];

/**
 * Checks `residual` (the output's shape) and `out` (exactly the output's shape; not overlapping any
 * input; either the residual's very elements — in place — or disjoint from them). Returns whether
 * out is the residual (in place).
 */
export function checkFusedOutput(
  op: string, outputShape: readonly number[], extent: (t: Tensor) => ElementExtent,
  inputs: readonly (readonly [string, Tensor | null])[], residual: Tensor | null, out: Tensor | null,
): boolean {
  if (residual && !sameShape(residual.shape, outputShape)) {
    throw new ShapeError(`${op}: residual must have the output's shape ${fmtShape(outputShape)}, got ${fmtShape(residual.shape)}`);
  }
  if (!out) return false;
  if (!sameShape(out.shape, outputShape)) {
    throw new ShapeError(`${op}: out must have the output's shape ${fmtShape(outputShape)}, got ${fmtShape(out.shape)}`);
  }
  const o = extent(out);
  for (const [name, t] of inputs) {
    if (t && overlaps(o, extent(t))) {
      throw new OptionError(`${op}: out (shape ${fmtShape(out.shape)}) overlaps the memory of ${name}; ` +
        'the op would overwrite its own input');
    }
  }
  if (!residual) return false;
  const r = extent(residual);
  if (sameRange(o, r)) return true;
  if (overlaps(o, r)) {
    throw new OptionError(`${op}: out partially overlaps residual; pass the residual itself as out (in place) or a separate tensor`);
  }
  return false;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * dst[i] = clamp(src[i] + res[i], lo, hi) (res null: no add): the js backend's epilogue. The sum
 * of two float32 values in float64 rounds to the float32 sum when stored.
 */
export function applyFusedOutput(src: Float32Array, res: Float32Array | null, dst: Float32Array, lo: number, hi: number): void {
  const clamp = clampsOutput(lo, hi);
  for (let i = 0; i < dst.length; i++) {
    let v = res ? src[i] + res[i] : src[i];
    if (clamp) v = Math.min(Math.max(v, lo), hi);
    dst[i] = v;
  }
}
