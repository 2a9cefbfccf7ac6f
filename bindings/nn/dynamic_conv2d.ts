/**
 * DynamicConv2d: K static kernels aggregated per sample by input-dependent attention — DY-Conv
 * (mode 'softmax', attention.fc1 → ReLU → attention.fc2 → softmax(z/τ)) or CondConv (mode 'sigmoid',
 * routing → sigmoid). State names and shapes are those of the PyTorch reference module
 * (tools/fixtures/dynamic_conv.py), so weights load by name. The temperature is settable between steps
 * (the DY-Conv paper anneals it from 30 to 1 during the first epochs).
 */
import { OptionError } from '../errors';
import { expectBool, expectInt, expectOptions, expectPair } from '../ops/checks';
import { parseConv2dOptions, type Padding, type Pair } from '../ops/conv2d_options';
import {
  checkTemperature, dynamicConv2dTensorNames, dynamicConv2dTensorShapes,
  type DynamicConv2dOps, type DynamicConv2dOptions, type DynamicConvMode,
} from '../ops/dynamic_conv2d';
import type { Tensor } from '../tensor';
import { defaultWeight, seededRandom, uniform } from './init';
import { Module, type ModuleBackend } from './module';

/** Options of DynamicConv2d (DY-Conv / CondConv layer). */
export interface DynamicConv2dLayerOptions {
  /** Input channels, integer ≥ 1 (required). */
  inChannels: number;
  /** Output channels, integer ≥ 1 (required). */
  outChannels: number;
  /** Kernel size, integers ≥ 1 (required). */
  kernelSize: Pair;
  /** Number of static kernels K (default 4). */
  kernels?: number;
  /** 'softmax' = DY-Conv (default), 'sigmoid' = CondConv. */
  mode?: DynamicConvMode;
  /** Softmax temperature τ > 0 (default 30, the paper's starting value; use 1 after annealing / for inference). */
  temperature?: number;
  /** Width of attention.fc1 (softmax only; default max(⌊inChannels/4⌋, 4)). */
  hidden?: number;
  /** Default 1. */
  stride?: Pair;
  /** Zero padding: a Pair, 'same' (needs stride 1) or 'valid'; default 0. */
  padding?: Padding;
  /** Default 1. */
  dilation?: Pair;
  /** Default 1; must divide inChannels and outChannels. */
  groups?: number;
  /** Whether each kernel has a bias (default true). */
  bias?: boolean;
  /** Seed of the deterministic initialisation (default 0). */
  seed?: number;
}

const LAYER_KEYS = ['inChannels', 'outChannels', 'kernelSize', 'kernels', 'mode', 'temperature', 'hidden',
  'stride', 'padding', 'dilation', 'groups', 'bias', 'seed'] as const;

type Ops = ModuleBackend & DynamicConv2dOps;

export class DynamicConv2d extends Module<Ops> {
  /** Input channels. */
  readonly inChannels: number;
  /** Output channels. */
  readonly outChannels: number;
  /** Number of static kernels K. */
  readonly kernels: number;
  /** 'softmax' (DY-Conv) or 'sigmoid' (CondConv). */
  readonly mode: DynamicConvMode;
  /** Width of attention.fc1 (0 in sigmoid mode). */
  readonly hidden: number;
  /** Whether the layer has the per-kernel bias (K, Cout). */
  readonly hasBias: boolean;
  readonly #geometry: Pick<DynamicConv2dOptions, 'stride' | 'padding' | 'dilation' | 'groups'>;
  #temperature: number;
  #lastInput: Tensor | null = null;

  constructor(backend: Ops, options: DynamicConv2dLayerOptions) {
    super(backend);
    const op = 'DynamicConv2d';
    const o = expectOptions<DynamicConv2dLayerOptions>(options, op, LAYER_KEYS);
    this.inChannels = expectInt(o.inChannels, op, 'inChannels', 1);
    this.outChannels = expectInt(o.outChannels, op, 'outChannels', 1);
    if (o.kernelSize === undefined) throw new OptionError(`${op}: kernelSize is required (a number or [h, w])`);
    const [kh, kw] = expectPair(o.kernelSize, op, 'kernelSize', 1, NaN);
    this.kernels = o.kernels === undefined ? 4 : expectInt(o.kernels, op, 'kernels (K)', 1);
    if (o.mode !== undefined && o.mode !== 'softmax' && o.mode !== 'sigmoid') {
      throw new OptionError(`${op}: mode must be 'softmax' (DY-Conv) or 'sigmoid' (CondConv), got ${JSON.stringify(o.mode)}`);
    }
    this.mode = o.mode ?? 'softmax';
    if (this.mode === 'sigmoid' && (o.temperature !== undefined || o.hidden !== undefined)) {
      throw new OptionError(`${op}: temperature and hidden only apply to mode 'softmax' (DY-Conv), but mode is 'sigmoid'`);
    }
    this.#temperature = o.temperature === undefined ? 30 : checkTemperature(op, o.temperature);
    this.hidden = this.mode === 'softmax'
      ? (o.hidden === undefined ? Math.max(Math.floor(this.inChannels / 4), 4) : expectInt(o.hidden, op, 'hidden', 1)) : 0;
    const groups = o.groups === undefined ? 1 : expectInt(o.groups, op, 'groups', 1);
    if (this.inChannels % groups !== 0 || this.outChannels % groups !== 0) {
      throw new OptionError(`${op}: inChannels (${this.inChannels}) and outChannels (${this.outChannels}) must both be divisible by groups (${groups})`);
    }
    this.hasBias = expectBool(o.bias, op, 'bias', true);
    // Geometry is checked here, not at the first forward (stride, padding incl. 'same' with stride 1, dilation).
    parseConv2dOptions(op, { stride: o.stride, padding: o.padding, dilation: o.dilation, groups });
    this.#geometry = { stride: o.stride, padding: o.padding, dilation: o.dilation, groups };
    const seed = o.seed === undefined ? 0 : expectInt(o.seed, op, 'seed', 0);
    this.building(() => this.#registerTensors(kh, kw, groups, seed));
  }

  #registerTensors(kh: number, kw: number, groups: number, seed: number): void {
    const random = seededRandom(seed);
    const cinPerGroup = this.inChannels / groups;
    const shapes = dynamicConv2dTensorShapes(this.mode, this.kernels, this.outChannels, cinPerGroup, kh, kw, this.inChannels, this.hidden);
    // PyTorch-style bounds: kernels like K independent Conv2d weights, biases U(±1/√fan_in) of their layer.
    const fanIn: Record<string, number> = {
      bias: cinPerGroup * kh * kw, 'attention.fc1.bias': this.inChannels, 'attention.fc2.bias': this.hidden,
      'routing.bias': this.inChannels,
    };
    for (const name of dynamicConv2dTensorNames(this.mode, this.hasBias)) {
      const shape = shapes[name];
      const init = name === 'weight' ? kernelsInit(shape, random)
        : name.endsWith('weight') ? defaultWeight(shape, random) : uniform(shape, 1 / Math.sqrt(fanIn[name]), random);
      this.registerParameter(name, shape, init);
    }
  }

  override get label(): string {
    return `DynamicConv2d(${this.inChannels}→${this.outChannels}, K=${this.kernels}, ${this.mode})`;
  }

  /** Softmax temperature τ (DY-Conv); settable between steps for annealing. */
  get temperature(): number {
    return this.#temperature;
  }

  /** Sets τ; OptionError in sigmoid mode or when τ is not a finite number > 0. */
  set temperature(value: number) {
    if (this.mode !== 'softmax') throw new OptionError(`${this.label}: temperature only applies to mode 'softmax'`);
    this.#temperature = checkTemperature(`${this.label}: temperature`, value);
  }

  /** The options of the functional op for this layer's current settings. */
  get opOptions(): DynamicConv2dOptions {
    return { ...this.#geometry, mode: this.mode, ...(this.mode === 'softmax' ? { temperature: this.#temperature } : {}) };
  }

  /** The attention π (N, K) this layer gives x (a new tensor). */
  attention(x: Tensor): Tensor {
    this.checkAlive();
    return this.backend.dynamicConv2dAttention(x, this.state, this.opOptions);
  }

  forward(x: Tensor): Tensor {
    this.checkAlive();
    const y = this.backend.dynamicConv2d(x, this.state, this.opOptions);
    // Backward recomputes the cheap attention branch, so only the input is kept (a reference: the
    // caller keeps x alive until backward, as with any autograd tape).
    this.#lastInput = x;
    return y;
  }

  backward(dy: Tensor): Tensor {
    this.checkAlive();
    if (this.#lastInput === null) {
      throw new OptionError(`${this.label}: backward() needs a forward() first (one backward per forward)`);
    }
    const { dx, params } = this.backend.dynamicConv2dBackward(this.#lastInput, this.state, dy, this.opOptions);
    this.#lastInput = null;
    this.accumulateGrads(params);
    return dx;
  }

  protected override releaseCache(): void {
    this.#lastInput = null;
  }
}

/** K kernels, each initialised like one Conv2d weight (Cout, Cin/g, kh, kw). */
function kernelsInit(shape: readonly number[], random: () => number): Float32Array {
  const one = shape.slice(1);
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  const size = out.length / shape[0];
  for (let k = 0; k < shape[0]; k++) out.set(defaultWeight(one, random), k * size);
  return out;
}
