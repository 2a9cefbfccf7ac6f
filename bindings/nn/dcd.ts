/**
 * DCD layers (spec §3): DCDConv2d = conv_dy, DCDBasicConv2d = conv_basic_dy, DYModule, DYCls — with
 * the exact PyTorch state_dict names, so official pretrained weights load by name. The math runs on
 * the backend's DCD op group (ops/dcd.ts); the layer owns the tensors, the forward cache and grads.
 */
import { BackendError, OptionError } from '../errors';
import { describe, expectInt } from '../ops/checks';
import { resolveDcdConfig, dcdTensorSpecs, dcdOpName, type DcdCache, type DcdConfig, type DcdDims, type DcdOps } from '../ops/dcd';
import type { Tensor } from '../tensor';
import { defaultWeight, filled, seededRandom } from './init';
import { Module, type ModuleBackend } from './module';

/** What a DCD layer needs of a backend: module basics plus the DCD op group. */
export type DcdBackend = ModuleBackend & DcdOps;


/** Initial value of one tensor: BatchNorm as PyTorch (weight 1, bias 0, mean 0, var 1), Linear/Conv kaiming-uniform. */
function initialValue(name: string, shape: number[], fanIn: number, random: () => number): Float32Array {
  if (/^bn\d\.(weight|running_var)$/.test(name)) return filled(shape, 1);
  if (/^bn\d\.(bias|running_mean)$/.test(name)) return filled(shape, 0);
  if (name === 'cls.bias') return defaultWeight([shape[0], fanIn], random).subarray(0, shape[0]);
  return defaultWeight(shape, random);
}

export abstract class DcdLayer extends Module<DcdBackend> {
  /** The layer's resolved geometry and sizes (from resolveDcdConfig). */
  readonly dims: DcdDims;
  #cache: DcdCache | null = null;
  #momentum = 0.1;
  /** x of the last eval-mode forward (no cache was kept; backward recomputes it). */
  #evalInput: Tensor | null = null;

  protected constructor(backend: DcdBackend, config: DcdConfig, seed = 0) {
    super(backend);
    if (typeof backend?.dcdForward !== 'function') {
      throw new BackendError(`${config?.kind ?? 'DCD'} layer: this backend has no DCD op group (dcdForward)`);
    }
    this.dims = resolveDcdConfig(config);
    const random = seededRandom(seed);
    this.building(() => {
      for (const spec of dcdTensorSpecs(this.dims)) {
        const init = initialValue(spec.name, spec.shape, this.dims.cin, random);
        if (spec.role === 'parameter') this.registerParameter(spec.name, spec.shape, init);
        else this.registerBuffer(spec.name, spec.shape, init);
      }
    });
  }

  override get label(): string {
    return `${this.constructor.name}(${this.dims.cin}→${this.dims.cout}, L=${this.dims.latent}, S=${this.dims.squeeze})`;
  }

  /**
   * Momentum of the running-statistics update of the layer's bn1 and bn2 in training mode (default
   * 0.1, as PyTorch); 1 makes them exactly the last batch's (BatchNorm calibration).
   */
  get momentum(): number {
    return this.#momentum;
  }

  /** Sets the momentum; OptionError unless a number in [0, 1]. */
  set momentum(value: number) {
    if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
      throw new OptionError(`${this.label}: momentum must be a number in [0, 1], got ${String(value)}`);
    }
    this.#momentum = value;
  }

  /**
   * y; in training mode BatchNorm uses batch statistics and updates its running statistics.
   * In eval mode the forward takes the inference path (λ folded into the static conv, nothing kept
   * for backward) and only remembers x: a backward() after it recomputes the forward with a cache,
   * so inference never pays for a backward that rarely follows. Keep x alive until then.
   */
  forward(x: Tensor): Tensor {
    this.checkAlive();
    this.releaseCache();
    if (!this.training) {
      const { y } = this.backend.dcdForward(this.dims, this.state, x, { training: false, needsBackward: false });
      this.#evalInput = x;
      return y;
    }
    const { y, cache } = this.backend.dcdForward(this.dims, this.state, x, { training: true, momentum: this.#momentum });
    this.#cache = cache;
    return y;
  }

  /** dx for dy of the last forward; parameter gradients go to grads(). */
  backward(dy: Tensor): Tensor {
    this.checkAlive();
    if (this.#cache === null && this.#evalInput !== null) {
      if (this.#evalInput.isDisposed) {
        throw new OptionError(`${dcdOpName(this.dims)}: backward() after an eval-mode forward recomputes that forward, ` +
          'but its input x has been disposed; keep x alive until backward()');
      }
      const { y, cache } = this.backend.dcdForward(this.dims, this.state, this.#evalInput, { training: false });
      y.dispose();
      this.#cache = cache;
    }
    if (this.#cache === null) throw new OptionError(`${dcdOpName(this.dims)}: backward() needs a forward() first`);
    const { dx, params } = this.backend.dcdBackward(this.dims, this.state, this.#cache, dy);
    // One backward per forward: the cache (several activations) goes now, not at the next forward.
    this.releaseCache();
    this.accumulateGrads(params);
    return dx;
  }

  protected override releaseCache(): void {
    this.#cache?.dispose();
    this.#cache = null;
    this.#evalInput = null;
  }
}

type Opts = Omit<DcdConfig, 'kind'> & { seed?: number };
/** The layer options without `seed`, and the seed (an integer >= 0); OptionError for anything else. */
function split(kind: string, options: Opts): [Omit<DcdConfig, 'kind'>, number | undefined] {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new OptionError(`${kind}: options must be an object ({ inChannels, outChannels, … }), got ${describe(options)}`);
  }
  const { seed, ...rest } = options;
  return [rest, seed === undefined ? undefined : expectInt(seed, kind, 'seed', 0)];
}

/** The official `conv_dy(Cin, Cout, k, stride, pad)` (ResNet-50/101/152). */
export class DCDConv2d extends DcdLayer {
  constructor(backend: DcdBackend, options: Opts & { kernelSize: number }) {
    const [config, seed] = split('DCDConv2d', options);
    super(backend, { ...config, kind: 'conv_dy' }, seed);
  }
}

/** The official `conv_basic_dy(Cin, Cout, stride)` (ResNet-18/34): 3×3, padding 1, 2×2 pooled branch. */
export class DCDBasicConv2d extends DcdLayer {
  constructor(backend: DcdBackend, options: Opts) {
    const [config, seed] = split('DCDBasicConv2d', options);
    super(backend, { ...config, kind: 'conv_basic_dy' }, seed);
  }
}

/** The official `DYModule(Cin, Cout, fc_squeeze)` (MobileNetV2 pointwise convs); names conv, conv_q, conv_p. */
export class DYModule extends DcdLayer {
  constructor(backend: DcdBackend, options: Opts) {
    const [config, seed] = split('DYModule', options);
    super(backend, { ...config, kind: 'DYModule' }, seed);
  }
}

/** The official `DYCls(Cin, Cout)`: the dynamic classifier on (N, Cin) vectors; L = S = 32. */
export class DYCls extends DcdLayer {
  constructor(backend: DcdBackend, options: Opts) {
    const [config, seed] = split('DYCls', options);
    super(backend, { ...config, kind: 'DYCls' }, seed);
  }
}
