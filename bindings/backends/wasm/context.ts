/**
 * WasmContext: what every op-group file of the wasm backend gets (see index.ts). It is the only
 * internal surface op groups need: kernel exports, the allocator, validated inputs with their byte
 * offsets, output tensors, and scratch memory that is freed whatever happens.
 *
 * Typical op:
 *   const x = ctx.input(xArg, 'myOp', 'x');                 // Tensor + ptr, ownership checked
 *   ...validate shapes (ops/), before any allocation...
 *   const [y] = ctx.run('myOp', [[n, c]], (ptrs, scratch) => {
 *     const ws = scratch.alloc(ctx.kernel('myOpWorkspaceBytes')(n, c) >>> 0);
 *     ctx.kernel('myOp')(n, c, x.ptr, ptrs[0], ws);
 *   });
 */
import { BackendError } from '../../errors';
import type { Tensor } from '../../tensor';
import { expectTensor } from '../../ops/checks';
import type { TensorTracker } from '../../runtime/tracker';
import type { Allocator } from './allocator';
import type { KernelExports } from './exports';
import { WasmStorage } from './storage';

type KernelFn = (...args: number[]) => number | void;

/** A validated input: the tensor and the byte offset of its elements. */
export interface WasmInput { tensor: Tensor; ptr: number }

/** Temporary blocks for one kernel call; all freed when run() returns or throws. */
export interface Scratch {
  /** `bytes` bytes, 64-byte aligned; 0 bytes gives pointer 0 (the ABI's "absent"). */
  alloc(bytes: number): number;
  /** A block holding these i32 values (e.g. the conv2d descriptor). */
  i32(values: readonly number[]): number;
}

/** Each wasm backend's context by its token (the `backend` of its tensors' storage), for functions outside the Backend. */
const CONTEXTS = new WeakMap<object, WasmContext>();

/** The wasm context a live tensor belongs to; null for a js tensor. */
export function wasmContextOf(t: Tensor): WasmContext | null {
  return CONTEXTS.get(t.storage.backend) ?? null;
}

export class WasmContext {
  /** Identity token stored in every tensor of this backend instance. */
  readonly token: object = {};
  readonly exports: KernelExports;
  readonly memory: WebAssembly.Memory;
  readonly allocator: Allocator;
  readonly tracker: TensorTracker;

  constructor(exports: KernelExports, allocator: Allocator, tracker: TensorTracker) {
    this.exports = exports;
    this.memory = exports.memory;
    this.allocator = allocator;
    this.tracker = tracker;
    CONTEXTS.set(this.token, this);
  }

  /** A kernel export by name; BackendError if this wasm build doesn't have it. */
  kernel(name: string): KernelFn {
    const fn = this.exports[name];
    if (typeof fn !== 'function') {
      throw new BackendError(`this wasm build has no kernel export '${name}' (rebuild with npm run build:wasm?)`);
    }
    return fn as KernelFn;
  }

  /** Checks `value` is a live tensor of this backend; returns it with its byte offset. */
  input(value: unknown, op: string, arg: string): WasmInput {
    const tensor = expectTensor(value, op, arg, this.token);
    return { tensor, ptr: (tensor.storage as WasmStorage).ptr };
  }

  /** Byte offset of a tensor's elements (the tensor must have passed input()). */
  ptrOf(t: Tensor): number {
    return (t.storage as WasmStorage).ptr;
  }

  /** A new tracked tensor with uninitialised elements. */
  empty(shape: readonly number[], what = 'tensor'): Tensor {
    const length = shape.reduce((a, b) => a * b, 1);
    const ptr = this.allocator.alloc(length * 4, `${what} of shape [${shape.join(', ')}]`);
    return this.tracker.adopt(new WasmStorage(this.token, this.memory, this.allocator, ptr, length), shape);
  }

  /**
   * Allocates output tensors (null = not wanted), runs `body` with their pointers (0 for null) and
   * a scratch allocator, frees the scratch, and returns the outputs. On any error the outputs are
   * disposed too, so a failed call leaves memory as it was. A kernel trap becomes BackendError.
   */
  run(op: string, outputs: readonly (readonly number[] | null)[],
    body: (ptrs: number[], scratch: Scratch) => void): (Tensor | null)[] {
    const made: (Tensor | null)[] = [];
    const blocks: number[] = [];
    const scratch: Scratch = {
      alloc: (bytes) => {
        if (bytes === 0) return 0;
        const p = this.allocator.alloc(bytes, `${op} workspace`);
        blocks.push(p);
        return p;
      },
      i32: (values) => {
        const p = scratch.alloc(values.length * 4);
        new Int32Array(this.memory.buffer, p, values.length).set(values);
        return p;
      },
    };
    try {
      for (const shape of outputs) made.push(shape ? this.empty(shape, `${op} output`) : null);
      body(made.map((t) => (t ? this.ptrOf(t) : 0)), scratch);
      return made;
    } catch (e) {
      for (const t of made) t?.dispose();
      if (e instanceof WebAssembly.RuntimeError) throw new BackendError(`${op}: kernel trapped: ${e.message}`);
      throw e;
    } finally {
      for (const p of blocks) this.allocator.free(p);
    }
  }
}
