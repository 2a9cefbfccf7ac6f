/**
 * The small CNN of the training experiment (28×28 inputs, e.g. Fashion-MNIST), in three variants that
 * differ only in the six 3×3 convolutions inside its residual blocks: static Conv2d, DY-Conv
 * (DynamicConv2d, K = 4, softmax attention with temperature τ) or DCD (`conv_basic_dy`).
 *
 *   stem: conv 3×3 C→32 + BN + ReLU (static in every variant)
 *   blocks.0: 32 @ 28², blocks.1: 64 @ 14² (stride 2), blocks.2: 128 @ 7² (stride 2)
 *     each conv3×3 → BN → ReLU → conv3×3 → BN, + shortcut (1×1 conv + BN when the shape changes), ReLU
 *   global average pool → fc (Linear 128 → classes)
 *
 * State-dict names are those of the PyTorch twin in tools/bench_train_torch.py (`stem.0.weight`,
 * `blocks.1.conv1.fc_phi.weight`, `blocks.1.shortcut.0.weight`, `fc.bias`, …), so its weights load here.
 */
import { OptionError } from '../errors';
import { describe } from '../ops/checks';
import { ReLU } from '../nn/activation';
import { BatchNorm2d } from '../nn/batchnorm';
import { Conv2d } from '../nn/conv';
import { Sequential } from '../nn/container';
import { DCDBasicConv2d } from '../nn/dcd';
import { DynamicConv2d } from '../nn/dynamic_conv2d';
import { Linear } from '../nn/linear';
import type { Module } from '../nn/module';
import { AdaptiveAvgPool2d } from '../nn/pooling';
import { Flatten } from '../nn/shape';
import { ResidualBlock } from './blocks';
import { parseNetworkOptions, type ConvFlavour, type DyNetworkOptions, type NetBackend, type ParsedNetworkOptions } from './common';

/** Options of smallCnn (numClasses defaults to 10 here). */
export interface SmallCnnOptions extends Omit<DyNetworkOptions, 'dropout'> {
  /** Which convolution the blocks use (default 'dcd'). */
  variant?: ConvFlavour;
  /** Input channels (default 1: grey images). */
  inChannels?: number;
}

type Ctx = { m: NetBackend; variant: ConvFlavour; o: ParsedNetworkOptions };

function conv3x3(c: Ctx, cin: number, cout: number, stride: number): Module {
  const { m, o } = c;
  switch (c.variant) {
    case 'static': return new Conv2d(m, { inChannels: cin, outChannels: cout, kernelSize: 3, stride, padding: 1, bias: false, seed: o.nextSeed() });
    case 'dy': return new DynamicConv2d(m, { inChannels: cin, outChannels: cout, kernelSize: 3, stride, padding: 1, bias: false, kernels: o.kernels, temperature: o.temperature, seed: o.nextSeed() });
    case 'dcd': return new DCDBasicConv2d(m, { inChannels: cin, outChannels: cout, stride, seed: o.nextSeed() });
  }
}

/** conv1 → bn1 → relu → conv2 → bn2, + shortcut, ReLU (PyTorch's F.relu has no module: `relu` is unnamed state). */
export class SmallCnnBlock extends ResidualBlock {
  /** First 3×3 convolution (static, DY-Conv or DCD by variant). */
  readonly conv1: Module;
  /** BatchNorm after conv1. */
  readonly bn1: BatchNorm2d;
  /** Second 3×3 convolution (static, DY-Conv or DCD by variant). */
  readonly conv2: Module;
  /** BatchNorm after conv2. */
  readonly bn2: BatchNorm2d;
  /** The shortcut (1×1 conv + BN, state_dict prefix 'shortcut') when the shape changes, else null (identity). */
  readonly shortcutPath: Sequential | null;
  readonly #relu: ReLU;

  constructor(c: Ctx, cin: number, cout: number, stride: number) {
    super(c.m);
    const { m, o } = c;
    const r = this.building(() => ({
      conv1: this.registerModule('conv1', conv3x3(c, cin, cout, stride)),
      bn1: this.registerModule('bn1', new BatchNorm2d(m, { numFeatures: cout })),
      conv2: this.registerModule('conv2', conv3x3(c, cout, cout, 1)),
      bn2: this.registerModule('bn2', new BatchNorm2d(m, { numFeatures: cout })),
      // PyTorch registers an empty Sequential as the identity shortcut: no state, nothing to name.
      shortcut: stride !== 1 || cin !== cout
        ? this.registerModule('shortcut', new Sequential(m, [
          new Conv2d(m, { inChannels: cin, outChannels: cout, kernelSize: 1, stride, bias: false, seed: o.nextSeed() }),
          new BatchNorm2d(m, { numFeatures: cout }),
        ]))
        : null,
    }));
    this.conv1 = r.conv1; this.bn1 = r.bn1; this.conv2 = r.conv2; this.bn2 = r.bn2; this.shortcutPath = r.shortcut;
    this.#relu = new ReLU(m);
  }

  get steps() { return [this.conv1, this.bn1, this.#relu, this.conv2, this.bn2]; }
  get shortcut() { return this.shortcutPath; }
  get hasResidual() { return true; }
  get reluAfterAdd() { return true; }
}

export class SmallCnn extends Sequential<NetBackend> {
  /** Which convolution the blocks use: 'static', 'dy' or 'dcd'. */
  readonly variant: ConvFlavour;

  constructor(m: NetBackend, options: SmallCnnOptions = {}) {
    const o = parseNetworkOptions('smallCnn', { numClasses: 10, ...options }, ['variant', 'inChannels']) as ParsedNetworkOptions & SmallCnnOptions;
    const variant = o.variant ?? 'dcd';
    if (!['static', 'dy', 'dcd'].includes(variant)) {
      throw new OptionError(`smallCnn: variant must be 'static', 'dy' or 'dcd', got ${describe(variant)}`);
    }
    const inChannels = o.inChannels ?? 1;
    if (!Number.isInteger(inChannels) || inChannels < 1) throw new OptionError(`smallCnn: inChannels must be an integer >= 1, got ${describe(inChannels)}`);
    super(m);
    this.variant = variant;
    const c: Ctx = { m, variant, o };
    this.building(() => {
      this.append('stem', new Sequential(m, [
        new Conv2d(m, { inChannels, outChannels: 32, kernelSize: 3, padding: 1, bias: false, seed: o.nextSeed() }),
        new BatchNorm2d(m, { numFeatures: 32 }),
        new ReLU(m),
      ]));
      this.append('blocks', new Sequential(m, [
        new SmallCnnBlock(c, 32, 32, 1), new SmallCnnBlock(c, 32, 64, 2), new SmallCnnBlock(c, 64, 128, 2),
      ]));
      this.append('pool', new AdaptiveAvgPool2d(m, 1));
      this.append('flatten', new Flatten(m));
      this.append('fc', new Linear(m, { inFeatures: 128, outFeatures: o.numClasses, seed: o.nextSeed() }));
    });
  }

  override get label(): string {
    return `smallCnn(${this.variant})`;
  }
}

/** The training experiment's CNN: `smallCnn(m, { variant: 'static' | 'dy' | 'dcd', numClasses: 10 })`. */
export const smallCnn = (m: NetBackend, options?: SmallCnnOptions) => new SmallCnn(m, options);
