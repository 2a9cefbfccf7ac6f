/**
 * The DCD op group: the functional interface every backend implements for Dynamic Convolution
 * Decomposition layers (spec: /work/shared/spec/DCD.md §3), plus the input checks they share.
 *
 * To the implementer of a backend (D4b for wasm; the js reference is bindings/reference/dcd/):
 * - Sizes come from `DcdDims` (ops/dcd_config.ts, built by `resolveDcdConfig`), the tensors from a
 *   record keyed by PyTorch state_dict names (ops/dcd_params.ts, `dcdTensorSpecs(dims)` lists them with
 *   shapes and roles). Call `checkDcdForward` / `checkDcdBackward` first: they throw the shared typed
 *   errors before anything is allocated.
 * - `dcdForward` in training mode uses batch statistics in both BatchNorms and updates the buffers
 *   `bn{1,2}.running_mean` / `running_var` IN PLACE (momentum 0.1, unbiased variance); in eval mode it
 *   uses and leaves them. It returns y and, unless `needsBackward: false`, an opaque cache owned by the
 *   caller (who calls `cache.dispose()` once, after backward or when it no longer needs it).
 * - `dcdBackward` takes the cache of the matching forward and returns new tensors: dx and the gradient of
 *   every parameter (role 'parameter'), keyed by its state_dict name. It never mutates the state.
 *   Backward of a training-mode forward differentiates through the batch statistics.
 * - Every option of DcdDims (latent/squeeze overrides, qk = k, blocks, variants) is part of the op; a
 *   backend that does not support one must throw BackendError naming it (never compute something else).
 * - Tests (tests/bindings/dcd.test.ts) run every fixture on every backend whose `dcdForward` exists;
 *   the wasm backends are REQUIRED to have it once `DCD_WASM_READY` below is true (D4b flips it).
 */
import { OptionError, ShapeError, StateDictError } from '../errors';
import type { Tensor } from '../tensor';
import { describe, expectBool, expectInt, expectIntermediateFits, expectOptions, expectTensor, fmtShape } from './checks';
import { axisFitsKernels, SAFE_AXIS_EXTENT } from './conv2d_geometry';
import { activationBounds, applyFusedOutput, checkFusedOutput, type ElementExtent, type FusedActivation } from './fused_output';
import type { DcdDims } from './dcd_config';
import { dcdBlockLatent, dcdPooledWidth, dcdTensorSpecs } from './dcd_params';

export * from './dcd_config';
export * from './dcd_params';

/** Set to true by the wasm implementer once both wasm builds implement the whole DcdOps group. */
export const DCD_WASM_READY = true;

/** The layer's tensors (parameters and buffers) by state_dict name. */
export type DcdState = Readonly<Record<string, Tensor>>;

/** Options of dcdForward: mode, momentum, whether to keep a cache for backward, inference strategy. */
export interface DcdForwardOptions {
  /** Batch statistics + running-stat update (true) or running statistics (false). */
  training: boolean;
  /**
   * Training mode: the momentum of the running-statistics update of bn1 and bn2 (default 0.1, as
   * PyTorch); 1 makes them exactly this batch's statistics (BatchNorm calibration).
   */
  momentum?: number;
  /** Default true; false skips keeping anything for backward (inference) and returns cache = null. */
  needsBackward?: boolean;
  /**
   * Inference only (training false, needsBackward false): how y may be computed. 'auto' (default)
   * lets the backend pick the cheaper; 'composed' runs conv, q, bn1, Φ, bn2 and p as the reference
   * does; 'weights' first forms each sample's kernel W(x) = ΛW0 + P·M·Q (the eval-mode BatchNorms are
   * affine, so the whole layer is one conv) and runs that conv. Same result up to float rounding;
   * backends with a single strategy (js) accept and ignore it.
   */
  evalStrategy?: DcdEvalStrategy;
  /**
   * Inference only (training false, needsBackward false), the fused output of an inference plan: a
   * per-channel bias (Cout) added AFTER λ·conv + P·z — so a following BatchNorm folds into W0, b0, P
   * and this — then `residual` (y's shape), then `activation`:
   * y = act(λ ⊙ conv(x, W0, b0) + P·z + postBias + residual). Default none.
   */
  postBias?: Tensor | null;
  /** Applied to the final value (see postBias); default none. */
  activation?: FusedActivation | null;
  /** Added before the activation (see postBias); y's shape; default none. */
  residual?: Tensor | null;
  /** Write y into this tensor (y's exact shape, not overlapping x, the state or residual) and return it as y. */
  out?: Tensor | null;
}

/**
 * y[n, c, …] = clamp(y + postBias[c] + residual, lo, hi) in place, each sum rounded to float32 as the
 * wasm epilogue does (the js backend's DCD epilogue).
 */
export function applyDcdFusedOutput(y: Float32Array, yShape: readonly number[], f: DcdFusedOutput): void {
  applyDcdFusedOutputArrays(y, yShape, f.postBias?.data ?? null, f.residual?.data ?? null, f.lo, f.hi);
}

/** applyDcdFusedOutput on arrays: y = clamp(y + postBias (per channel) + residual, lo, hi), in place. */
export function applyDcdFusedOutputArrays(y: Float32Array, yShape: readonly number[], bias: Float32Array | null,
  residual: Float32Array | null, lo: number, hi: number): void {
  if (bias) {
    const c = yShape[1], per = y.length / (yShape[0] * c);
    for (let i = 0; i < y.length; i++) y[i] += bias[Math.floor(i / per) % c];
  }
  applyFusedOutput(y, residual, y, lo, hi);
}

/** The fused output of an inference-only dcdForward, validated (checkDcdFusedOutput). */
export interface DcdFusedOutput {
  postBias: Tensor | null;
  residual: Tensor | null;
  out: Tensor | null;
  lo: number;
  hi: number;
  /** Anything to do after y is computed (postBias, residual or a clamp). */
  any: boolean;
}

/** How an inference-only dcdForward may compute y (see DcdForwardOptions.evalStrategy). */
export type DcdEvalStrategy = 'auto' | 'composed' | 'weights';
const EVAL_STRATEGIES: readonly DcdEvalStrategy[] = ['auto', 'composed', 'weights'];

/** The evalStrategy option (undefined: 'auto'); OptionError unless one of EVAL_STRATEGIES. */
export function checkDcdEvalStrategy(op: string, value: unknown): DcdEvalStrategy {
  if (value === undefined) return 'auto';
  if (!EVAL_STRATEGIES.includes(value as DcdEvalStrategy)) {
    throw new OptionError(`${op}: evalStrategy must be one of ${EVAL_STRATEGIES.map((v) => `'${v}'`).join(', ')}, ` +
      `got ${describe(value)}`);
  }
  return value as DcdEvalStrategy;
}

/**
 * Whatever forward keeps for backward; backend-specific. The owner disposes it exactly once. Backward
 * reads the forward's input x: keep x alive until then (the wasm caches hold a reference, not a copy).
 */
export interface DcdCache {
  /** Whether the forward ran in training mode. */
  readonly training: boolean;
  /** Shape of the forward's input x. */
  readonly xShape: readonly number[];
  /** Shape of the forward's output y. */
  readonly yShape: readonly number[];
  /** Frees what the cache holds; call it exactly once. */
  dispose(): void;
}

/** What dcdForward returns. */
export interface DcdForwardResult {
  /** The output: (N, Cout, OH, OW), or (N, Cout) for DYCls. */
  y: Tensor;
  /** What dcdBackward needs; null when options.needsBackward was false. The caller disposes it. */
  cache: DcdCache | null;
}

/** What dcdBackward returns: new tensors owned by the caller. */
export interface DcdGrads {
  /** Gradient with respect to x, shaped like x. */
  dx: Tensor;
  /** One gradient per parameter (not per buffer), keyed by state_dict name, shaped like the parameter. */
  params: Record<string, Tensor>;
}

/** The DCD op group: forward and backward of a Dynamic Convolution Decomposition layer given its dims and state. */
export interface DcdOps {
  /** x: (N, Cin, H, W) — or (N, Cin) for DYCls. y: (N, Cout, OH, OW) — or (N, Cout). */
  dcdForward(dims: DcdDims, state: DcdState, x: Tensor, options: DcdForwardOptions): DcdForwardResult;
  /** dy shaped like y; cache from the forward on the same state. */
  dcdBackward(dims: DcdDims, state: DcdState, cache: DcdCache, dy: Tensor): DcdGrads;
}

// ---------------------------------------------------------------- shared checks

/** Null-safe: it names the op in the errors that reject malformed dims too. */
export const dcdOpName = (d: DcdDims): string =>
  `dcd (${typeof d === 'object' && d !== null && typeof d.kind === 'string' ? d.kind : 'dims?'})`;

/** Output size of one spatial side: (H + 2p − k) / s + 1 (q has the same by the padding rule). */
export const dcdOutSide = (d: DcdDims, side: number): number => Math.floor((side + 2 * d.padding - d.k) / d.stride) + 1;

/**
 * The stride the kernels run: any stride larger than every padded extent gives a 1×1 output, so it
 * is clamped to the smallest such (same output, bounded index arithmetic — ops/conv2d_geometry.ts).
 */
export function dcdKernelStride(d: DcdDims, h: number, w: number): number {
  return Math.min(d.stride, Math.max(h, w) + 2 * d.padding - d.k + 1);
}

/** y's shape for an input of shape `xShape` (already checked). */
export function dcdOutputShape(d: DcdDims, xShape: readonly number[]): number[] {
  if (d.kind === 'DYCls') return [xShape[0], d.cout];
  return [xShape[0], d.cout, dcdOutSide(d, xShape[2]), dcdOutSide(d, xShape[3])];
}

/**
 * Frozen states (a layer's, see Layer.state) already checked against these dims: their names and
 * shapes cannot change, so later calls only check that each tensor is still alive and ours. Building
 * the specs and comparing every shape took ~7 µs of each conv_dy 3×3 256→256 @14² forward (CPU profile).
 */
const checkedStates = new WeakMap<DcdState, DcdDims>();

/** Checks that every tensor of the state exists, belongs to `backend` and has its spec's shape. */
export function checkDcdState(d: DcdDims, state: DcdState, backend: object): void {
  const op = dcdOpName(d);
  if (state === null || typeof state !== 'object' || Array.isArray(state)) {
    throw new StateDictError(`${op}: state must be an object of tensors by state_dict name, got ${describe(state)}`);
  }
  if (checkedStates.get(state) === d) {
    for (const name in state) {
      const t = state[name];
      if (t.isDisposed || t.storage.backend !== backend) expectTensor(t, op, `'${name}'`, backend); // throws
    }
    return;
  }
  const specs = dcdTensorSpecs(d);
  const extra = Object.keys(state).find((name) => !specs.some((s) => s.name === name));
  if (extra !== undefined) throw new StateDictError(`${op}: unexpected tensor '${extra}' in the layer state`);
  for (const spec of specs) {
    const t = state[spec.name];
    if (t === undefined) throw new StateDictError(`${op}: the layer state has no tensor '${spec.name}' (shape ${fmtShape(spec.shape)})`);
    expectTensor(t, op, `'${spec.name}'`, backend);
    if (t.shape.length !== spec.shape.length || t.shape.some((n, i) => n !== spec.shape[i])) {
      throw new StateDictError(`${op}: '${spec.name}' must have shape ${fmtShape(spec.shape)}, got ${fmtShape(t.shape)}`);
    }
  }
  if (Object.isFrozen(state)) checkedStates.set(state, d);
}

const DIMS_KEYS: readonly (keyof DcdDims)[] = [
  'kind', 'cin', 'cout', 'k', 'stride', 'padding', 'pool', 'latent', 'squeeze', 'qk', 'blocks', 'variant',
  'hasLambda', 'hasResidual',
];
const DIMS_KINDS: readonly DcdDims['kind'][] = ['conv_dy', 'conv_basic_dy', 'DYModule', 'DYCls'];
const DIMS_VARIANTS: readonly DcdDims['variant'][] = ['full', 'lambda-only', 'phi-only'];
/** Dims objects already checked; only frozen ones, whose fields cannot change afterwards. */
const checkedDims = new WeakSet<DcdDims>();

/**
 * `dims` must be what resolveDcdConfig can produce: every field present with its type and range,
 * no unknown field, and the fields consistent with each other and the kind. OptionError otherwise.
 * (Hand-made dims with stride 0 or kind 'foo' used to reach the kernels.)
 */
export function checkDcdDims(dims: unknown): asserts dims is DcdDims {
  if (typeof dims === 'object' && dims !== null && checkedDims.has(dims as DcdDims)) return;
  const d = expectOptions<DcdDims>(dims, 'dcd: dims', DIMS_KEYS);
  if (dims === undefined) throw new OptionError('dcd: dims are required (build them with resolveDcdConfig)');
  const missing = DIMS_KEYS.find((key) => d[key] === undefined);
  if (missing !== undefined) throw new OptionError(`dcd: dims.${missing} is missing (build dims with resolveDcdConfig)`);
  if (!DIMS_KINDS.includes(d.kind!)) throw new OptionError(`dcd: dims.kind must be one of ${DIMS_KINDS.join(', ')}, got ${describe(d.kind)}`);
  const op = `dcd (${d.kind})`;
  if (!DIMS_VARIANTS.includes(d.variant!)) {
    throw new OptionError(`${op}: dims.variant must be one of ${DIMS_VARIANTS.join(', ')}, got ${describe(d.variant)}`);
  }
  for (const key of ['cin', 'cout', 'k', 'stride', 'latent', 'blocks'] as const) expectInt(d[key], op, `dims.${key}`, 1);
  for (const key of ['padding', 'squeeze'] as const) expectInt(d[key], op, `dims.${key}`, 0);
  if (d.pool !== 1 && d.pool !== 2) throw new OptionError(`${op}: dims.pool must be 1 or 2, got ${describe(d.pool)}`);
  if (d.qk !== 1 && d.qk !== d.k) throw new OptionError(`${op}: dims.qk must be 1 or dims.k (${d.k}), got ${describe(d.qk)}`);
  if (d.hasLambda !== (d.variant !== 'phi-only') || d.hasResidual !== (d.variant !== 'lambda-only')) {
    throw new OptionError(`${op}: dims.hasLambda / dims.hasResidual must match variant '${d.variant}', ` +
      `got ${describe(d.hasLambda)} / ${describe(d.hasResidual)}`);
  }
  for (const key of ['cin', 'cout', 'latent'] as const) {
    if (d[key]! % d.blocks! !== 0) throw new OptionError(`${op}: dims.blocks (${d.blocks}) must divide dims.${key} (${d[key]})`);
  }
  const fixed: Partial<Record<keyof DcdDims, number>> = d.kind === 'conv_basic_dy' ? { k: 3, padding: 1, pool: 2 }
    : d.kind === 'conv_dy' ? { pool: 1, padding: (d.k! - 1) / 2 }
    : d.kind === 'DYModule' ? { k: 1, stride: 1, padding: 0 }
    : { k: 1, stride: 1, padding: 0, pool: 1 };
  for (const [key, want] of Object.entries(fixed) as [keyof DcdDims, number][]) {
    if (d[key] !== want) throw new OptionError(`${op}: dims.${key} must be ${want} for this kind, got ${describe(d[key])}`);
  }
  if (Object.isFrozen(dims)) checkedDims.add(dims as DcdDims);
}

const FORWARD_OPTION_KEYS = [
  'training', 'momentum', 'needsBackward', 'evalStrategy', 'postBias', 'activation', 'residual', 'out',
] as const;

/**
 * postBias / activation / residual / out of dcdForward: inference only, shapes, same backend, no
 * overlap. `out` may not be the residual itself: the layer writes y before it reads the residual.
 */
export function checkDcdFusedOutput(d: DcdDims, state: DcdState, x: Tensor, yShape: readonly number[], options: DcdForwardOptions,
  backend: object, extent: (t: Tensor) => ElementExtent): DcdFusedOutput {
  const op = dcdOpName(d);
  const given = (v: unknown) => v !== undefined && v !== null;
  const { postBias: pb, activation, residual: res, out: o } = options;
  const none: DcdFusedOutput = { postBias: null, residual: null, out: null, lo: -Infinity, hi: Infinity, any: false };
  if (!given(pb) && !given(activation) && !given(res) && !given(o)) return none;
  if (options.training || options.needsBackward !== false) {
    throw new OptionError(`${op}: postBias, activation, residual and out are for inference only (training: false, needsBackward: false)`);
  }
  const [lo, hi] = activationBounds(op, activation);
  const postBias = given(pb) ? expectTensor(pb, op, 'postBias', backend) : null;
  if (postBias && (postBias.shape.length !== 1 || postBias.shape[0] !== d.cout)) {
    throw new ShapeError(`${op}: postBias must have shape [${d.cout}] (Cout), got ${fmtShape(postBias.shape)}`);
  }
  const residual = given(res) ? expectTensor(res, op, 'residual', backend) : null;
  const out = given(o) ? expectTensor(o, op, 'out', backend) : null;
  const inputs: [string, Tensor | null][] = [['x', x], ['postBias', postBias], ...Object.entries(state)];
  if (checkFusedOutput(op, yShape, extent, inputs, residual, out)) {
    throw new OptionError(`${op}: out must not be the residual itself (the layer writes y before it adds the residual)`);
  }
  return { postBias, residual, out, lo, hi, any: postBias !== null || residual !== null || lo !== -Infinity || hi !== Infinity };
}

/** dcdForward's options: `training` (a boolean) is required; unknown keys are rejected. */
export function checkDcdForwardOptions(op: string, options: unknown): asserts options is DcdForwardOptions {
  if (options === undefined) throw new OptionError(`${op}: options { training: boolean } are required`);
  const o = expectOptions<DcdForwardOptions>(options, op, FORWARD_OPTION_KEYS);
  if (typeof o.training !== 'boolean') throw new OptionError(`${op}: training must be a boolean, got ${describe(o.training)}`);
  expectBool(o.needsBackward, op, 'needsBackward', true);
}

/** Checks a forward call; returns y's shape. */
export function checkDcdForward(d: DcdDims, state: DcdState, x: unknown, options: DcdForwardOptions, backend: object): number[] {
  checkDcdDims(d);
  const op = dcdOpName(d);
  checkDcdForwardOptions(op, options);
  return checkDcdInputShape(d, state, expectTensor(x, op, 'x', backend).shape, options, backend);
}

/** Checks a forward of x of shape s (dims and options already checked); returns y's shape. */
export function checkDcdInputShape(d: DcdDims, state: DcdState, s: readonly number[], options: DcdForwardOptions,
  backend: object): number[] {
  const op = dcdOpName(d);
  const want = d.kind === 'DYCls' ? '(N, Cin)' : '(N, Cin, H, W)';
  if (s.length !== (d.kind === 'DYCls' ? 2 : 4) || s.some((n) => n < 1)) {
    throw new ShapeError(`${op}: x must have shape ${want} with every dimension >= 1, got ${fmtShape(s)}`);
  }
  if (s[1] !== d.cin) {
    throw new ShapeError(`${op}: x has ${s[1]} channels but the layer has inChannels = ${d.cin} (x shape ${fmtShape(s)})`);
  }
  if (d.kind !== 'DYCls' && (s[2] + 2 * d.padding < d.k || s[3] + 2 * d.padding < d.k)) {
    throw new ShapeError(`${op}: x of shape ${fmtShape(s)} is smaller than the ${d.k}×${d.k} kernel (padding ${d.padding})`);
  }
  if (d.kind !== 'DYCls') {
    const stride = dcdKernelStride(d, s[2], s[3]);
    if (!axisFitsKernels(s[2], d.padding, stride, 1) || !axisFitsKernels(s[3], d.padding, stride, 1)) {
      throw new OptionError(`${op}: stride ${d.stride} on x of shape ${fmtShape(s)} is beyond the kernels' 32-bit ` +
        `index range (side + 2·padding + 64·(stride + 1) must be <= ${SAFE_AXIS_EXTENT})`);
    }
  }
  checkDcdState(d, state, backend);
  checkDcdEvalStrategy(op, options.evalStrategy);
  if (options.momentum !== undefined && (typeof options.momentum !== 'number' || !(options.momentum >= 0 && options.momentum <= 1))) {
    throw new OptionError(`${op}: momentum must be a number in [0, 1], got ${describe(options.momentum)}`);
  }
  const y = dcdOutputShape(d, s);
  const n = s[0], pixelsOut = d.kind === 'DYCls' ? 1 : y[2] * y[3];
  expectIntermediateFits(op, 'g (N × pooled width)', n * dcdPooledWidth(d));
  expectIntermediateFits(op, 's (N × S)', n * d.squeeze);
  expectIntermediateFits(op, 'Φ (N × B·(L/B)²)', n * d.blocks * dcdBlockLatent(d) ** 2);
  expectIntermediateFits(op, 'z (N × L × OH·OW)', n * d.latent * pixelsOut);
  if (options.training && d.hasResidual) {
    const perChannel = d.kind === 'DYCls' ? y[0] : y[0] * y[2] * y[3];
    if (perChannel <= 1) {
      throw new ShapeError(`${op}: training-mode BatchNorm bn1 needs more than 1 value per channel, but x of shape ` +
        `${fmtShape(s)} gives ${perChannel} (use eval mode or a batch >= 2)`);
    }
  }
  return y;
}

/** Checks a backward call: dy must have y's shape. */
export function checkDcdBackward(d: DcdDims, state: DcdState, yShape: readonly number[], dy: unknown, backend: object): void {
  checkDcdDims(d);
  const op = dcdOpName(d);
  const t = expectTensor(dy, op, 'dy', backend);
  if (t.shape.length !== yShape.length || t.shape.some((n, i) => n !== yShape[i])) {
    throw new ShapeError(`${op}: dy must have the output's shape ${fmtShape(yShape)}, got ${fmtShape(t.shape)}`);
  }
  checkDcdState(d, state, backend);
}
