/**
 * Conv2d: torch.nn.Conv2d with its weight (and bias) owned by the module — state-dict names
 * `weight` (Cout, Cin/groups, kh, kw) and `bias` (Cout), initialised as PyTorch does
 * (kaiming-uniform with a = √5: U(±1/√fan_in) for both).
 */
import { OptionError } from '../errors';
import { expectBool, expectInt, expectOptions, expectPair } from '../ops/checks';
import type { Conv2dGeometry, Padding, Pair } from '../ops/conv2d_options';
import type { Conv2dOps } from '../backend';
import type { Tensor } from '../tensor';
import { defaultWeight, seededRandom, uniform } from './init';
import { Module, type ModuleBackend } from './module';

/** Options of Conv2d, as torch.nn.Conv2d's. */
export interface Conv2dModuleOptions {
  /** Input channels, integer ≥ 1 (required). */
  inChannels: number;
  /** Output channels, integer ≥ 1 (required). */
  outChannels: number;
  /** Kernel size, integers ≥ 1 (required). */
  kernelSize: Pair;
  /** Default 1. */
  stride?: Pair;
  /** Zero padding: a Pair, 'same' (needs stride 1) or 'valid'; default 0. */
  padding?: Padding;
  /** Default 1. */
  dilation?: Pair;
  /** Default 1; must divide inChannels and outChannels. */
  groups?: number;
  /** Default true, as PyTorch. */
  bias?: boolean;
  /** Seed of the deterministic initialisation (default 0). */
  seed?: number;
}

const KEYS = ['inChannels', 'outChannels', 'kernelSize', 'stride', 'padding', 'dilation', 'groups', 'bias', 'seed'];

export class Conv2d extends Module<ModuleBackend & Conv2dOps> {
  /** Input channels. */
  readonly inChannels: number;
  /** Output channels. */
  readonly outChannels: number;
  /** Kernel [height, width]. */
  readonly kernelSize: [number, number];
  /** Resolved stride, padding, dilation and groups, as passed to conv2d. */
  readonly geometry: Readonly<Conv2dGeometry>;
  /** The weight (outChannels, inChannels/groups, kh, kw): state_dict name 'weight'. */
  readonly weight: Tensor;
  /** The bias (outChannels), or null when bias is false: state_dict name 'bias'. */
  readonly bias: Tensor | null = null;
  #input: Tensor | null = null;

  constructor(backend: ModuleBackend & Conv2dOps, options: Conv2dModuleOptions) {
    super(backend);
    const op = 'Conv2d';
    const o = expectOptions<Conv2dModuleOptions>(options, op, KEYS);
    this.inChannels = expectInt(o.inChannels, op, 'inChannels', 1);
    this.outChannels = expectInt(o.outChannels, op, 'outChannels', 1);
    if (o.kernelSize === undefined) throw new OptionError(`${op}: kernelSize is required (a number or [h, w])`);
    this.kernelSize = expectPair(o.kernelSize, op, 'kernelSize', 1, NaN);
    const groups = o.groups === undefined ? 1 : expectInt(o.groups, op, 'groups', 1);
    if (this.inChannels % groups !== 0 || this.outChannels % groups !== 0) {
      throw new OptionError(`${op}: inChannels (${this.inChannels}) and outChannels (${this.outChannels}) must both be divisible by groups (${groups})`);
    }
    const stride = expectPair(o.stride, op, 'stride', 1, 1);
    const dilation = expectPair(o.dilation, op, 'dilation', 1, 1);
    const padding = o.padding === 'same' || o.padding === 'valid' ? o.padding : expectPair(o.padding, op, 'padding', 0, 0);
    if (padding === 'same' && (stride[0] !== 1 || stride[1] !== 1)) {
      throw new OptionError(`${op}: padding='same' needs stride 1 (as in PyTorch), got stride [${stride.join(', ')}]`);
    }
    this.geometry = Object.freeze({ stride, padding, dilation, groups });
    const hasBias = expectBool(o.bias, op, 'bias', true);
    const random = seededRandom(o.seed === undefined ? 0 : expectInt(o.seed, op, 'seed', 0));
    const shape = [this.outChannels, this.inChannels / groups, ...this.kernelSize];
    let weight: Tensor | undefined, bias: Tensor | null = null;
    this.building(() => {
      weight = this.registerParameter('weight', shape, defaultWeight(shape, random));
      if (hasBias) bias = this.registerParameter('bias', [this.outChannels], uniform([this.outChannels], 1 / Math.sqrt(shape[1] * shape[2] * shape[3]), random));
    });
    this.weight = weight as Tensor;
    this.bias = bias;
  }

  override get label(): string {
    const stride = this.geometry.stride as readonly number[];
    const groups = this.geometry.groups ?? 1;
    return `Conv2d(${this.inChannels}→${this.outChannels}, ${this.kernelSize.join('×')}` +
      `${stride[0] !== 1 || stride[1] !== 1 ? `, stride ${stride.join('×')}` : ''}${groups > 1 ? `, groups ${groups}` : ''})`;
  }

  forward(x: Tensor): Tensor {
    this.checkAlive();
    const y = this.backend.conv2d(x, this.weight, { ...this.geometry, bias: this.bias });
    this.#input = x;
    return y;
  }

  backward(dy: Tensor): Tensor {
    this.checkAlive();
    const x = needInput(this.#input, this.label);
    const { dx, dw, db } = this.backend.conv2dBackward(x, this.weight, dy, { ...this.geometry, bias: this.bias !== null });
    this.#input = null;
    this.accumulateGrads(db ? { weight: dw as Tensor, bias: db } : { weight: dw as Tensor });
    return dx as Tensor;
  }

  protected override releaseCache(): void {
    this.#input = null;
  }
}

/** The input a backward needs, or a clear error when no forward came first. */
export function needInput<T>(x: T | null, label: string): T {
  if (x === null) throw new OptionError(`${label}: backward() needs a forward() first (one backward per forward)`);
  return x;
}
