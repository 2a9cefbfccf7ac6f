/**
 * prepareConv2d on the wasm kernels (ops/conv2d_prepared.ts): the descriptor, the workspace and a
 * copy of the weights and bias are allocated once, owned by the prepared op and freed by dispose().
 * Where the build's forward would pack the weights on every call (the relaxed build's wide tile,
 * conv/conv2d_packed.ts), the copy IS the packed panels (conv2dPackWeights) and run() calls
 * conv2dForwardPacked. Otherwise run() makes one call of conv2dForward, or conv2dForwardFused with
 * a residual / activation; with threads the kernels are the pool's (pool_exports.ts).
 */
import { BackendError, DisposedTensorError, OptionError } from '../../errors';
import type { Tensor } from '../../tensor';
import { checkConv2dBias } from '../../ops/conv2d_options';
import { gatherConv2dInput, planConv2dGather, type GatheredConv2d } from '../../ops/conv2d_geometry';
import { CONV2D_PARAM_FIELDS, type Conv2dParams } from '../../ops/conv2d_params';
import { resolvePrepareConv2d, type PreparedConv2d } from '../../ops/conv2d_prepared';
import { clampsOutput } from '../../ops/fused_output';
import { ALIGN } from './allocator';
import type { WasmContext } from './context';
import { PASS_FORWARD } from './exports';
import { SharedWorkspace, sharedWorkspaceOption } from '../workspace';

const OP = 'prepareConv2d';
const alignUp = (n: number): number => Math.ceil(Math.max(n, 1) / ALIGN) * ALIGN;

export function prepareWasmConv2d(ctx: WasmContext, xShape: readonly number[], wArg: Tensor, options: unknown): PreparedConv2d {
  const w = ctx.input(wArg, OP, 'weight');
  const spec = resolvePrepareConv2d(OP, xShape, w.tensor.shape, options);
  const p = spec.params;
  const biasArg = (options as { bias?: unknown } | undefined)?.bias;
  const bias = biasArg !== undefined && biasArg !== null ? ctx.input(biasArg, OP, 'bias').tensor : null;
  if (bias) checkConv2dBias(OP, p, bias.shape);
  const gathered = planConv2dGather(OP, p);
  const shared = sharedWorkspaceOption(OP, (options as { workspace?: unknown } | undefined)?.workspace);
  const packable = typeof ctx.exports.conv2dPackedWeightsBytes === 'function';

  // Every block or none: a failed allocation frees the ones before it.
  const blocks: number[] = [];
  let bytes = 0;
  const alloc = (n: number, what: string): number => {
    const ptr = ctx.allocator.alloc(n, `${OP} ${what}`);
    blocks.push(ptr);
    bytes += alignUp(n);
    return ptr;
  };
  try {
    const kernelParams = gathered ? gathered.params : p;
    const desc = alloc(64, 'descriptor');
    new Int32Array(ctx.memory.buffer, desc, 16).set(CONV2D_PARAM_FIELDS.map((f) => kernelParams[f]));
    const packedBytes = packable ? (ctx.kernel('conv2dPackedWeightsBytes')(desc) as number) >>> 0 : 0;
    // the packed forward has the fused kernel's arguments, with or without an epilogue
    const fused = packedBytes > 0 || spec.residual || clampsOutput(spec.lo, spec.hi);
    const workspaceBytes = ctx.kernel(fused ? 'conv2dForwardFusedWorkspaceBytes' : 'conv2dWorkspaceBytes');
    const forward = ctx.kernel(packedBytes > 0 ? 'conv2dForwardPacked' : fused ? 'conv2dForwardFused' : 'conv2dForward');
    const wsBytes = ((fused ? workspaceBytes(desc) : workspaceBytes(desc, PASS_FORWARD)) as number) >>> 0;
    const ws = shared ? 0 : wsBytes > 0 ? alloc(wsBytes, 'workspace') : 0;
    shared?.reserve(ctx.token, ctx.allocator, wsBytes, OP);
    const weights = packedBytes > 0 ? alloc(packedBytes, 'packed weights') : alloc(w.tensor.size * 4, 'weights');
    const biasPtr = bias ? alloc(bias.size * 4, 'bias') : 0;
    const gatherPtr = gathered ? alloc(planeElements(gathered.params) * 4, 'gathered input') : 0;
    // Views only after the last allocation (growth detaches older ones).
    if (packedBytes > 0) ctx.kernel('conv2dPackWeights')(desc, w.ptr, weights);
    else new Float32Array(ctx.memory.buffer, weights, w.tensor.size).set(w.tensor.data);
    if (bias) new Float32Array(ctx.memory.buffer, biasPtr, bias.size).set(bias.data);
    return new WasmPreparedConv2d(ctx, spec.inputShape, spec.outputShape, bytes, blocks, {
      fused, forward, desc, ws, shared, weights, bias: biasPtr, lo: spec.lo, hi: spec.hi, residual: spec.residual,
      gathered, params: p, gatherPtr,
    });
  } catch (e) {
    for (const ptr of blocks) ctx.allocator.free(ptr);
    throw e;
  }
}

const planeElements = (p: Conv2dParams): number => p.n * p.c * p.h * p.w;

interface Call {
  fused: boolean;
  forward: (...args: number[]) => number | void;
  desc: number; ws: number; weights: number; bias: number;
  /** The shared workspace (its offset is read at every run: a later reservation may move it), else null. */
  shared: SharedWorkspace | null;
  lo: number; hi: number; residual: boolean;
  gathered: GatheredConv2d | null; params: Conv2dParams; gatherPtr: number;
}

class WasmPreparedConv2d implements PreparedConv2d {
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly bytes: number;
  readonly #ctx: WasmContext;
  #blocks: number[] | null;
  readonly #call: Call;

  constructor(ctx: WasmContext, inputShape: number[], outputShape: number[], bytes: number, blocks: number[], call: Call) {
    this.#ctx = ctx;
    this.inputShape = Object.freeze(inputShape);
    this.outputShape = Object.freeze(outputShape);
    this.bytes = bytes;
    this.#blocks = blocks;
    this.#call = call;
  }

  run(x: Tensor, out: Tensor, residual: Tensor | null = null): void {
    if (this.#blocks === null) throw new DisposedTensorError(`${OP}: run() on a prepared conv after its dispose()`);
    const c = this.#call, ctx = this.#ctx;
    if (c.shared?.isDisposed) throw new DisposedTensorError(`${OP}: run() after its shared workspace was disposed`);
    if (c.residual && !residual) throw new OptionError(`${OP}: this conv was prepared with residual: true; run() needs the residual`);
    let xPtr = ctx.ptrOf(x); // a disposed tensor throws DisposedTensorError here
    const yPtr = ctx.ptrOf(out);
    const rPtr = c.residual ? ctx.ptrOf(residual as Tensor) : 0;
    if (c.gathered) {
      // extreme stride / padding / dilation (ops/conv2d_geometry.ts): gather into the owned block
      const buffer = ctx.memory.buffer;
      gatherConv2dInput(c.gathered, c.params, new Float32Array(buffer, xPtr, planeElements(c.params)),
        new Float32Array(buffer, c.gatherPtr, planeElements(c.gathered.params)));
      xPtr = c.gatherPtr;
    }
    try {
      const ws = c.shared ? c.shared.ptr : c.ws;
      if (c.fused) c.forward(c.desc, xPtr, c.weights, c.bias, rPtr, yPtr, ws, c.lo, c.hi);
      else c.forward(c.desc, xPtr, c.weights, c.bias, yPtr, ws);
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) throw new BackendError(`${OP}: kernel trapped: ${e.message}`);
      throw e;
    }
  }

  dispose(): void {
    if (this.#blocks === null) return;
    for (const ptr of this.#blocks) this.#ctx.allocator.free(ptr);
    this.#blocks = null;
  }
}
