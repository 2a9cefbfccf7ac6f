/**
 * The Backend interface: what `init()` returns. Both backends (wasm, js) implement it with identical
 * behaviour and errors. It is an intersection of per-op-group interfaces, so adding an op group is
 * one new interface (in its ops/ file) plus one `&` line here.
 */
import type { Tensor } from './tensor';
import type { Conv2dBackwardOptions, Conv2dGrads, Conv2dOptions } from './ops/conv2d_options';
import type { LinearBackwardOptions, LinearGrads } from './ops/linear_options';
import type { DcdOps } from './ops/dcd';
import type { NnOps } from './ops/nn';

export type BackendName = 'wasm-relaxed-simd' | 'wasm-simd' | 'wasm-scalar' | 'js';

/** How the wasm module reached the backend (undefined for the js backend). */
export type WasmSource = 'embedded' | 'bytes' | 'module' | 'url' | 'response';

export interface MemoryStats {
  /** Size of the backend's memory (wasm: linear memory; js: bytes held by live tensors). */
  memoryBytes: number;
  /** Bytes in live allocations (tensors + any workspace in use). */
  allocatedBytes: number;
  /** Tensors created and not yet disposed. */
  liveTensors: number;
}

export interface BackendInfo extends MemoryStats {
  backend: BackendName;
  simd: boolean;
  /** Threads ops may run on (init({ threads })); 1 unless a thread pool is running. */
  threads: number;
  /** Set when init({ threads: 'auto' }) fell back to fewer threads: why. */
  threadsNote?: string;
  /** wasm backends only: where the module came from. */
  wasmSource?: WasmSource;
}

export interface CoreOps {
  info(): BackendInfo;
  memoryStats(): MemoryStats;
  /** A new tensor holding a copy of `data` (Float32Array or number[]; length = product of shape). */
  tensor(data: Float32Array | readonly number[], shape: readonly number[]): Tensor;
  zeros(shape: readonly number[]): Tensor;
  /** Runs fn synchronously; disposes every tensor created inside except those it returns. */
  scope<T>(fn: () => T): T;
  /**
   * Exempts tensors from every open scope() (as tf.keep): they live until their own dispose().
   * Returns the first, so `const w = m.keep(m.zeros(shape))` works. Tensors of another backend or
   * disposed ones are rejected (DTypeError / DisposedTensorError).
   */
  keep<T extends Tensor>(tensor: T, ...more: Tensor[]): T;
  /** Ends the backend's worker threads, if any (tensors stay valid; later ops run on this thread). */
  dispose(): void;
}

export interface Conv2dOps {
  /** y = conv2d(x, weight) + bias, as torch.nn.functional.conv2d. x (N,C,H,W), weight (Cout,C/groups,kh,kw). */
  conv2d(x: Tensor, weight: Tensor, options?: Conv2dOptions): Tensor;
  /** Gradients of conv2d given dy; returns only the requested ones (see Conv2dBackwardOptions.needs). */
  conv2dBackward(x: Tensor, weight: Tensor, dy: Tensor, options?: Conv2dBackwardOptions): Conv2dGrads;
}

export interface LinearOps {
  /** y = x·weightᵀ + bias, as torch.nn.functional.linear. x (N,IN), weight (OUT,IN), bias (OUT). */
  linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor;
  linearBackward(x: Tensor, weight: Tensor, dy: Tensor, options?: LinearBackwardOptions): LinearGrads;
}

/** Everything a backend offers. Add op groups here: `& DynamicConvOps & DcdOps`. */
export type Backend = CoreOps & Conv2dOps & LinearOps & import('./ops/dynamic_conv2d').DynamicConv2dOps & DcdOps & NnOps
  & import('./ops/optim').OptimOps & import('./ops/loss').LossOps;
