/**
 * The network-pieces op group: the functional forms of what whole networks are made of besides
 * convolutions — activations, BatchNorm, pooling, the residual add, softmax, dropout and reshape —
 * forward and backward, on every backend (wasm kernels; the js reference in bindings/reference/).
 * The modules of bindings/nn/ are thin owners of state around these ops.
 *
 * Conventions (as the other op groups):
 * - Every function validates its arguments first (ops/nn_checks.ts, shared by both backends, so both
 *   reject the same inputs with the same typed errors) and allocates only afterwards.
 * - Outputs are new tensors owned by the caller. Nothing mutates its inputs, except batchNorm in
 *   training mode, which updates `runningMean` / `runningVar` IN PLACE (as PyTorch does).
 * - Backward functions return new gradient tensors; they never accumulate into existing ones.
 * - Semantics are PyTorch's (torch.nn.functional of the same name); where PyTorch has an option this
 *   group does not, the option is rejected with OptionError, never silently ignored.
 */
import type { Tensor } from '../tensor';
import type { Pair } from './conv2d_options';

/** The elementwise activations with a forward and a backward. */
export type Activation = 'relu' | 'relu6' | 'hardsigmoid' | 'sigmoid' | 'hsig3';
// 'hardsigmoid' is torch.nn.Hardsigmoid: relu6(x + 3) / 6. 'hsig3' is the DCD reference's
// Hsigmoid: relu6(x + 3) / 3 (ranges over [0, 2]; spec §3).

/** Options of batchNorm: mode, statistics update, and the fused residual / ReLU. */
export interface BatchNormOptions {
  /** true: normalise with the batch statistics (biased variance) and update the running ones. */
  training: boolean;
  /** Running-statistics momentum (default 0.1); running ← (1 − m)·running + m·batch (unbiased var). */
  momentum?: number;
  /** Default 1e-5. */
  eps?: number;
  /** Optional tensor of y's shape added after the normalisation (fused residual). */
  residual?: Tensor | null;
  /** Optional ReLU applied to the final result (after the residual), fused into the same pass. */
  relu?: boolean;
}

/**
 * The BatchNorm parameters and buffers, by role. x is (N, C) or (N, C, L) (BatchNorm1d) or
 * (N, C, H, W) (BatchNorm2d); every tensor below has shape (C). weight/bias may be null (affine=False);
 * runningMean/runningVar may be null only in training mode (track_running_stats=False).
 */
export interface BatchNormState {
  /** Scale γ per channel (C), or null for none. */
  weight: Tensor | null;
  /** Shift β per channel (C), or null for none. */
  bias: Tensor | null;
  /** Running mean (C); updated in place in training mode. */
  runningMean: Tensor | null;
  /** Running (unbiased) variance (C); updated in place in training mode. */
  runningVar: Tensor | null;
}

/** What batchNorm returns: the output and what its backward needs. */
export interface BatchNormResult {
  /** The output, shape of x. */
  y: Tensor;
  /** What batchNormBackward needs (training mode: batch mean and 1/std per channel; eval: null). */
  saved: BatchNormSaved | null;
}

/** Per-channel batch statistics saved by a training-mode batchNorm for batchNormBackward; dispose() it when done. */
export interface BatchNormSaved {
  /** Batch mean per channel (C). */
  readonly mean: Tensor;
  /** 1 / sqrt(batch variance + eps) per channel (C). */
  readonly invStd: Tensor;
  /** Frees both tensors. */
  dispose(): void;
}

/** Gradients returned by batchNormBackward; a field is set only when it was requested. */
export interface BatchNormGrads {
  /** Absent only when options.needs.dx is false. */
  dx?: Tensor;
  /** Gradient with respect to weight (C). */
  dweight?: Tensor;
  /** Gradient with respect to bias (C). */
  dbias?: Tensor;
}

/** Options of maxPool2d / avgPool2d, as torch.nn.functional's max_pool2d / avg_pool2d. */
export interface Pool2dOptions {
  /** Window size, integers ≥ 1. */
  kernelSize: Pair;
  /** Default: kernelSize (as PyTorch). */
  stride?: Pair;
  /** Implicit padding on each side (default 0; at most half the kernel, as PyTorch). */
  padding?: Pair;
  /** max pool only (default 1). */
  dilation?: Pair;
  /** Round the output size up instead of down (default false). */
  ceilMode?: boolean;
  /** avg pool only (default true, as PyTorch). */
  countIncludePad?: boolean;
}

/** The network-pieces op group: activations, BatchNorm, pooling, residual add, softmax, dropout, reshape; forward and backward. */
export interface NnOps {
  /** y = f(x) elementwise. */
  activation(kind: Activation, x: Tensor): Tensor;
  /** dx = f'(x)·dy (for 'sigmoid' pass the forward's OUTPUT y as `x`: its derivative is y(1 − y)). */
  activationBackward(kind: Activation, x: Tensor, dy: Tensor): Tensor;
  /** max(x, 0) elementwise. */
  relu(x: Tensor): Tensor;
  /** min(max(x, 0), 6) elementwise. */
  relu6(x: Tensor): Tensor;
  /** relu6(x + 3) / 6 elementwise (torch.nn.Hardsigmoid). */
  hardsigmoid(x: Tensor): Tensor;
  /** 1 / (1 + exp(−x)) elementwise. */
  sigmoid(x: Tensor): Tensor;

  /** a + b (same shapes), optionally followed by ReLU in the same pass (the residual add of ResNets). */
  add(a: Tensor, b: Tensor, options?: { relu?: boolean }): Tensor;
  /** Gradient of ReLU(a + b) given the forward's output y: dy where y > 0, else 0. */
  addReluBackward(y: Tensor, dy: Tensor): Tensor;

  /** BatchNorm over the channel dimension of x (N, C), (N, C, L) or (N, C, H, W), as torch.nn.functional.batch_norm; in training mode it updates the running statistics in place. */
  batchNorm(x: Tensor, state: BatchNormState, options: BatchNormOptions): BatchNormResult;
  /**
   * Gradients of batchNorm (WITHOUT its fused residual/relu: the caller handles those). Training mode
   * differentiates through the batch statistics (needs `saved`); eval mode uses the running ones.
   * `needs` defaults: dx true, dweight when state.weight is set, dbias when state.bias is set.
   */
  batchNormBackward(x: Tensor, dy: Tensor, state: BatchNormState, saved: BatchNormSaved | null,
    options: { training: boolean; eps?: number; needs?: { dx?: boolean; dweight?: boolean; dbias?: boolean } }): BatchNormGrads;

  /** x (N, C, H, W); PyTorch's rules: padding ≤ kernel/2, output ≥ 1, ceil_mode windows start inside the input or left padding. */
  maxPool2d(x: Tensor, options: Pool2dOptions): Tensor;
  /** Recomputes the argmax from x (ties: the first position in the window, as PyTorch; NaN wins). */
  maxPool2dBackward(x: Tensor, dy: Tensor, options: Pool2dOptions): Tensor;
  /** Average pooling of x (N, C, H, W), as torch.nn.functional.avg_pool2d. */
  avgPool2d(x: Tensor, options: Pool2dOptions): Tensor;
  /** Gradient of avgPool2d: dx of shape xShape, given dy. */
  avgPool2dBackward(xShape: readonly number[], dy: Tensor, options: Pool2dOptions): Tensor;
  /** PyTorch AdaptiveAvgPool2d (overlapping bins on sizes that do not divide). */
  adaptiveAvgPool2d(x: Tensor, outputSize: Pair): Tensor;
  /** Gradient of adaptiveAvgPool2d: dx of shape xShape, given dy. */
  adaptiveAvgPool2dBackward(xShape: readonly number[], dy: Tensor): Tensor;

  /** Softmax over the last dimension of a 2-D x, with temperature (default 1): softmax(x / τ). */
  softmax(x: Tensor, options?: { temperature?: number }): Tensor;
  /** Gradient of softmax given its output y and dy (same temperature as the forward). */
  softmaxBackward(y: Tensor, dy: Tensor, options?: { temperature?: number }): Tensor;
  /** log-softmax over the last dimension of a 2-D x (numerically stable). */
  logSoftmax(x: Tensor): Tensor;
  /** Gradient of logSoftmax given its output y: dx = dy − exp(y)·Σdy per row. */
  logSoftmaxBackward(y: Tensor, dy: Tensor): Tensor;

  /**
   * Inverted dropout: y = x·mask/(1 − p), mask[i] = (hash(seed, i) ≥ p) with the counter-based hash
   * of ops/nn_hash.ts, so every backend draws the same mask for the same seed. p in [0, 1); seed an
   * integer in [0, 2^32); the scale is PyTorch's float32 1/(1 − p). dropoutBackward applies the same mask.
   */
  dropout(x: Tensor, p: number, seed: number): Tensor;
  /** Gradient of dropout: dy with the same mask and scale as dropout(x, p, seed). */
  dropoutBackward(dy: Tensor, p: number, seed: number): Tensor;

  /** A copy of x with another shape of the same size (one dimension may be -1). */
  reshape(x: Tensor, shape: readonly number[]): Tensor;
  /** A copy of x. */
  clone(x: Tensor): Tensor;
  /**
   * y = a·x + b·y IN PLACE on y (same shapes): the update primitive for gradient accumulation.
   * b = 0 does not read y (as BLAS), so it also overwrites garbage or NaN.
   */
  axpby(a: number, x: Tensor, b: number, y: Tensor): void;
}
