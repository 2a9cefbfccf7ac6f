/**
 * prepareConv2d of the js backend (ops/conv2d_prepared.ts): the weights and bias are copied when
 * prepared; run() is the reference conv2d plus the fused output. bytes = 0 (no linear memory).
 */
import { DisposedTensorError, OptionError } from '../errors';
import type { Tensor } from '../tensor';
import { checkConv2dBias } from '../ops/conv2d_options';
import type { Conv2dParams } from '../ops/conv2d_params';
import { resolvePrepareConv2d, type PreparedConv2d } from '../ops/conv2d_prepared';
import { sharedWorkspaceOption } from '../backends/workspace';
import { applyFusedOutput, clampsOutput } from '../ops/fused_output';
import type { JsContext } from './context';
import { conv2dForward } from './conv2d';

const OP = 'prepareConv2d';

export function prepareJsConv2d(ctx: JsContext, xShape: readonly number[], wArg: Tensor, options: unknown): PreparedConv2d {
  const w = ctx.input(wArg, OP, 'weight');
  const spec = resolvePrepareConv2d(OP, xShape, w.tensor.shape, options);
  const biasArg = (options as { bias?: unknown } | undefined)?.bias;
  const bias = biasArg !== undefined && biasArg !== null ? ctx.input(biasArg, OP, 'bias').tensor : null;
  if (bias) checkConv2dBias(OP, spec.params, bias.shape);
  // the reference convs allocate their own scratch: the workspace is only bound to this backend
  sharedWorkspaceOption(OP, (options as { workspace?: unknown } | undefined)?.workspace)?.reserve(ctx.token, null, 0, OP);
  return new JsPreparedConv2d(spec.params, spec.inputShape, spec.outputShape, w.data.slice(),
    bias ? bias.data.slice() : null, spec.lo, spec.hi, spec.residual);
}

class JsPreparedConv2d implements PreparedConv2d {
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly bytes = 0;
  #disposed = false;
  readonly #p: Conv2dParams;
  readonly #w: Float32Array;
  readonly #b: Float32Array | null;
  readonly #lo: number;
  readonly #hi: number;
  readonly #residual: boolean;
  /** The conv's value before the epilogue when out is the residual (in place). */
  readonly #staging: Float32Array | null;

  constructor(p: Conv2dParams, inputShape: number[], outputShape: number[], w: Float32Array, b: Float32Array | null,
    lo: number, hi: number, residual: boolean) {
    this.#p = p;
    this.inputShape = Object.freeze(inputShape);
    this.outputShape = Object.freeze(outputShape);
    this.#w = w;
    this.#b = b;
    this.#lo = lo;
    this.#hi = hi;
    this.#residual = residual;
    this.#staging = residual ? new Float32Array(outputShape.reduce((a, d) => a * d, 1)) : null;
  }

  run(x: Tensor, out: Tensor, residual: Tensor | null = null): void {
    if (this.#disposed) throw new DisposedTensorError(`${OP}: run() on a prepared conv after its dispose()`);
    if (this.#residual && !residual) throw new OptionError(`${OP}: this conv was prepared with residual: true; run() needs the residual`);
    const y = out.data;
    const res = this.#residual ? (residual as Tensor).data : null;
    const target = this.#staging ?? y;
    conv2dForward(this.#p, x.data, this.#w, this.#b, target);
    if (res || clampsOutput(this.#lo, this.#hi)) applyFusedOutput(target, res, y, this.#lo, this.#hi);
  }

  dispose(): void {
    this.#disposed = true;
  }
}
