/**
 * The Backend interface: what `init()` returns. Both backends (wasm, js) implement it with identical
 * behaviour and errors. It is an intersection of per-op-group interfaces, so adding an op group is
 * one new interface (in its ops/ file) plus one `&` line here.
 */
import type { Tensor } from './tensor';
import type { Arena } from './runtime/arena';
import type { Conv2dBackwardOptions, Conv2dGrads, Conv2dOptions } from './ops/conv2d_options';
import type { LinearBackwardOptions, LinearGrads, LinearOptions } from './ops/linear_options';
import type { DcdOps } from './ops/dcd';
import type { NnOps } from './ops/nn';

/** Which implementation runs the ops: a wasm build (relaxed SIMD, SIMD or scalar) or plain JavaScript. */
export type BackendName = 'wasm-relaxed-simd' | 'wasm-simd' | 'wasm-scalar' | 'js';

/** How the wasm module reached the backend (undefined for the js backend). */
export type WasmSource = 'embedded' | 'bytes' | 'module' | 'url' | 'response';

/** Memory use of one backend instance, from `memoryStats()` / `info()`. */
export interface MemoryStats {
  /** Size of the backend's memory (wasm: linear memory; js: bytes held by live tensors). */
  memoryBytes: number;
  /** Bytes in live allocations (tensors + any workspace in use). */
  allocatedBytes: number;
  /** Tensors created and not yet disposed. */
  liveTensors: number;
  /** The highest allocatedBytes since init() or the last resetPeakMemory(): what a run really needed. */
  peakAllocatedBytes: number;
}

/** What `info()` reports: the backend, its features and its memory use. */
export interface BackendInfo extends MemoryStats {
  /** Which implementation this backend is. */
  backend: BackendName;
  /** True when the ops run on WebAssembly SIMD (wasm-simd and wasm-relaxed-simd). */
  simd: boolean;
  /** Threads ops may run on (init({ threads })); 1 unless a thread pool is running. */
  threads: number;
  /** Set when init({ threads: 'auto' }) fell back to fewer threads: why. */
  threadsNote?: string;
  /** wasm backends only: where the module came from. */
  wasmSource?: WasmSource;
}

/** Tensor creation, scopes and introspection: the part of a Backend that is not an op. */
export interface CoreOps {
  /** The backend's name, features, thread count and memory use. */
  info(): BackendInfo;
  /** Current memory use: memory size, bytes allocated and live tensors. */
  memoryStats(): MemoryStats;
  /** A new tensor holding a copy of `data` (Float32Array or number[]; length = product of shape). */
  tensor(data: Float32Array | readonly number[], shape: readonly number[]): Tensor;
  /** A new tensor of the given shape filled with zeros. */
  zeros(shape: readonly number[]): Tensor;
  /** Runs fn synchronously; disposes every tensor created inside except those it returns. */
  scope<T>(fn: () => T): T;
  /**
   * Exempts tensors from every open scope() (as tf.keep): they live until their own dispose().
   * Returns the first, so `const w = m.keep(m.zeros(shape))` works. Tensors of another backend or
   * disposed ones are rejected (DTypeError / DisposedTensorError).
   */
  keep<T extends Tensor>(tensor: T, ...more: Tensor[]): T;
  /**
   * One block of `floats` floats for tensors whose lifetimes the caller plans (views over parts of
   * it; see runtime/arena.ts). Inference plans keep their activations in one.
   */
  createArena(floats: number): Arena;
  /** Starts peakAllocatedBytes over from the bytes allocated now (to measure one piece of work). */
  resetPeakMemory(): void;
  /** Ends the backend's worker threads, if any (tensors stay valid; later ops run on this thread). */
  dispose(): void;
}

/** 2-d convolution forward and backward (torch.nn.functional.conv2d semantics). */
export interface Conv2dOps {
  /** y = conv2d(x, weight) + bias, as torch.nn.functional.conv2d. x (N,C,H,W), weight (Cout,C/groups,kh,kw). */
  conv2d(x: Tensor, weight: Tensor, options?: Conv2dOptions): Tensor;
  /** Gradients of conv2d given dy; returns only the requested ones (see Conv2dBackwardOptions.needs). */
  conv2dBackward(x: Tensor, weight: Tensor, dy: Tensor, options?: Conv2dBackwardOptions): Conv2dGrads;
  // prepareConv2d and createWorkspace are functions of the weight tensor (backends/prepared.ts): only
  // code that prepares ops bundles them.
}

/** Fully connected layer forward and backward (torch.nn.functional.linear semantics). */
export interface LinearOps {
  /**
   * y = x·weightᵀ + bias, as torch.nn.functional.linear. x (N,IN), weight (OUT,IN), bias (OUT).
   * The third argument is the bias, or `{ bias, out }` to write y into `out` (returned).
   */
  linear(x: Tensor, weight: Tensor, bias?: Tensor | null | LinearOptions): Tensor;
  /** Gradients of linear given dy: dx (N,IN), dw (OUT,IN), db (OUT); computes those in options.needs (default dx and dw, plus db when options.bias is set). */
  linearBackward(x: Tensor, weight: Tensor, dy: Tensor, options?: LinearBackwardOptions): LinearGrads;
}

/**
 * Everything a backend offers. Add op groups here: `& DynamicConvOps & DcdOps`. The training kernels
 * (OptimOps, LossOps) are not here: bindings/train reaches them through a tensor (train/kernels.ts),
 * so an app that only runs inference bundles none of them.
 */
export type Backend = CoreOps & Conv2dOps & LinearOps & import('./ops/dynamic_conv2d').DynamicConv2dOps & DcdOps & NnOps;
