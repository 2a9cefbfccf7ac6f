/**
 * prepareDcdForward of the js backend (ops/dcd_prepared.ts): the state and postBias are copied when
 * prepared; run() is the reference forward (eval mode) plus the fused output. bytes = 0 (no linear memory).
 */
import { DisposedTensorError, OptionError } from '../../errors';
import type { Tensor } from '../../tensor';
import { applyDcdFusedOutputArrays, type DcdDims, type DcdState } from '../../ops/dcd';
import { resolvePrepareDcd, type PreparedDcd, type PreparedDcdSpec } from '../../ops/dcd_prepared';
import { sharedWorkspaceOption } from '../../backends/workspace';
import type { JsContext } from '../context';
import { dcdForwardArrays, type NamedArrays } from './forward';

export function prepareJsDcd(ctx: JsContext, dims: DcdDims, state: DcdState, xShape: readonly number[],
  options: unknown): PreparedDcd {
  const spec = resolvePrepareDcd(dims, state, xShape, options, ctx.token);
  // the reference forward allocates its own scratch: the workspace is only bound to this backend
  sharedWorkspaceOption(spec.op, spec.workspace)?.reserve(ctx.token, null, 0, spec.op);
  const arrays: NamedArrays = Object.fromEntries(Object.entries(state).map(([name, t]) => [name, t.data.slice()]));
  return new JsPreparedDcd(dims, arrays, spec, spec.postBias?.data.slice() ?? null);
}

class JsPreparedDcd implements PreparedDcd {
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly bytes = 0;
  #disposed = false;
  readonly #dims: DcdDims;
  readonly #state: NamedArrays;
  readonly #spec: PreparedDcdSpec;
  readonly #postBias: Float32Array | null;

  constructor(dims: DcdDims, state: NamedArrays, spec: PreparedDcdSpec, postBias: Float32Array | null) {
    this.inputShape = Object.freeze(spec.inputShape);
    this.outputShape = Object.freeze(spec.outputShape);
    this.#dims = dims;
    this.#state = state;
    this.#spec = spec;
    this.#postBias = postBias;
  }

  run(x: Tensor, out: Tensor, residual: Tensor | null = null): void {
    const s = this.#spec;
    if (this.#disposed) throw new DisposedTensorError(`${s.op}: run() after its dispose()`);
    if (s.residual && !residual) throw new OptionError(`${s.op}: prepared with residual: true; run() needs the residual`);
    dcdForwardArrays(this.#dims, this.#state, x.data, this.inputShape, false, out.data);
    applyDcdFusedOutputArrays(out.data, this.outputShape, this.#postBias, s.residual ? (residual as Tensor).data : null, s.lo, s.hi);
  }

  dispose(): void {
    this.#disposed = true;
  }
}
