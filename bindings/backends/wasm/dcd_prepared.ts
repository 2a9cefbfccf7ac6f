/**
 * prepareDcdForward on the wasm kernels (ops/dcd_prepared.ts): the state and postBias are copied into
 * one block the prepared op owns, the forward is compiled once (dcd_eval.ts: its path, its i32 blocks,
 * its workspace layout), and run() is that compiled forward on the tensors' pointers. On the per-image
 * path of a planned DCD-MobileNetV2, dcdForward's per-call validation, plan writing and scratch blocks
 * were ~3 % of the time (checkDcdState alone ~1 %, profile of 2026-12-07).
 * Where the one-call path's static conv would pack W0 on every call (dcd_eval.ts staticPanelBytes),
 * W0 is packed once into panels INSTEAD of copied, as prepareConv2d does: no second copy of W0.
 */
import { BackendError, DisposedTensorError, OptionError } from '../../errors';
import type { Tensor } from '../../tensor';
import { dcdModuleNames, type DcdDims, type DcdState } from '../../ops/dcd';
import { resolvePrepareDcd, type PreparedDcd } from '../../ops/dcd_prepared';
import { ALIGN } from './allocator';
import type { WasmContext } from './context';
import { compileDcdEval, staticPanelBytes, type DcdEvalProgram } from './dcd_eval';
import { dcdGeometry } from './dcd_geometry';
import { SharedWorkspace, sharedWorkspaceOption } from '../workspace';

const alignUp = (n: number): number => Math.ceil(Math.max(n, 1) / ALIGN) * ALIGN;

export function prepareWasmDcd(ctx: WasmContext, dims: DcdDims, state: DcdState, xShape: readonly number[],
  options: unknown): PreparedDcd {
  const spec = resolvePrepareDcd(dims, state, xShape, options, ctx.token);
  const shared = sharedWorkspaceOption(spec.op, spec.workspace);
  const G = dcdGeometry(dims, spec.inputShape);

  // Every block or none: a failed allocation frees the ones before it.
  const blocks: number[] = [];
  let bytes = 0;
  const alloc = (n: number, what: string): number => {
    const ptr = ctx.allocator.alloc(n, `${spec.op} ${what}`);
    blocks.push(ptr);
    bytes += alignUp(n);
    return ptr;
  };
  // The static conv's descriptor, only while deciding and packing W0's panels (not kept: the plan has its own).
  const panelDesc = ctx.allocator.alloc(64, `${spec.op} descriptor`);
  try {
    const i32 = (values: readonly number[]): number => {
      const ptr = alloc(values.length * 4, 'plan');
      new Int32Array(ctx.memory.buffer, ptr, values.length).set(values);
      return ptr;
    };
    // W0 packed instead of copied?
    const w0Name = `${dcdModuleNames(dims.kind).static}.weight`;
    const panelBytes = staticPanelBytes(ctx, dims, G, spec.strategy, panelDesc);
    const panels = panelBytes > 0 ? alloc(panelBytes, 'packed W0') : 0;
    // The copy: every state tensor (then postBias) at an aligned offset of one block; not W0 when packed.
    const copied = Object.entries(state).filter(([name]) => !(panels && name === w0Name));
    const tensors: Tensor[] = [...copied.map(([, t]) => t), ...(spec.postBias ? [spec.postBias] : [])];
    const offsets: number[] = [];
    let total = 0;
    for (const t of tensors) {
      offsets.push(total);
      total += alignUp(t.size * 4);
    }
    const copy = alloc(total, 'state');
    const stateIndex = new Map(copied.map(([name], i) => [name, i]));
    const program: DcdEvalProgram = compileDcdEval(ctx, dims, G, {
      state: (name) => (stateIndex.has(name) ? copy + offsets[stateIndex.get(name) as number] : 0),
      postBias: spec.postBias ? copy + offsets[tensors.length - 1] : 0,
      lo: spec.lo, hi: spec.hi, i32, packedStaticWeight: panels,
    }, spec.strategy);
    const ws = shared ? 0 : program.workspaceBytes > 0 ? alloc(program.workspaceBytes, 'workspace') : 0;
    shared?.reserve(ctx.token, ctx.allocator, program.workspaceBytes, spec.op);
    // Views only after the last allocation (growth detaches older ones).
    tensors.forEach((t, i) => new Float32Array(ctx.memory.buffer, copy + offsets[i], t.size).set(t.data));
    if (panels) ctx.kernel('conv2dPackWeights')(panelDesc, ctx.ptrOf(state[w0Name]), panels);
    return new WasmPreparedDcd(ctx, spec.op, spec.inputShape, spec.outputShape, bytes, blocks, program, ws, shared, spec.residual);
  } catch (e) {
    for (const ptr of blocks) ctx.allocator.free(ptr);
    throw e;
  } finally {
    ctx.allocator.free(panelDesc);
  }
}

class WasmPreparedDcd implements PreparedDcd {
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly bytes: number;
  readonly #ctx: WasmContext;
  readonly #op: string;
  #blocks: number[] | null;
  readonly #program: DcdEvalProgram;
  readonly #ws: number;
  /** The shared workspace (its offset is read at every run: a later reservation may move it), else null. */
  readonly #shared: SharedWorkspace | null;
  readonly #residual: boolean;

  constructor(ctx: WasmContext, op: string, inputShape: number[], outputShape: number[], bytes: number, blocks: number[],
    program: DcdEvalProgram, ws: number, shared: SharedWorkspace | null, residual: boolean) {
    this.#ctx = ctx;
    this.#op = op;
    this.inputShape = Object.freeze(inputShape);
    this.outputShape = Object.freeze(outputShape);
    this.bytes = bytes;
    this.#blocks = blocks;
    this.#program = program;
    this.#ws = ws;
    this.#shared = shared;
    this.#residual = residual;
  }

  run(x: Tensor, out: Tensor, residual: Tensor | null = null): void {
    if (this.#blocks === null) throw new DisposedTensorError(`${this.#op}: run() after its dispose()`);
    if (this.#shared?.isDisposed) throw new DisposedTensorError(`${this.#op}: run() after its shared workspace was disposed`);
    if (this.#residual && !residual) throw new OptionError(`${this.#op}: prepared with residual: true; run() needs the residual`);
    const ctx = this.#ctx;
    // ptrOf throws DisposedTensorError for a disposed tensor
    const xPtr = ctx.ptrOf(x), yPtr = ctx.ptrOf(out), rPtr = this.#residual ? ctx.ptrOf(residual as Tensor) : 0;
    try {
      this.#program.run(xPtr, yPtr, rPtr, this.#shared ? this.#shared.ptr : this.#ws);
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) throw new BackendError(`${this.#op}: kernel trapped: ${e.message}`);
      throw e;
    }
  }

  dispose(): void {
    if (this.#blocks === null) return;
    for (const ptr of this.#blocks) this.#ctx.allocator.free(ptr);
    this.#blocks = null;
  }
}
