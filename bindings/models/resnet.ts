/**
 * ResNets in three flavours with the state-dict names of their PyTorch originals:
 * - `resnet18` … `resnet152`: torchvision's static ResNets (torchvision checkpoints load by name);
 * - `resnet18_dcd` … `resnet152_dcd`: the official DCD ResNets (github liyunsheng13/dcd,
 *   models/imagenet/resnet_dcd.py): `conv_basic_dy` in basic blocks, `conv_dy` in bottlenecks, a
 *   `classifier` Sequential ending in `DYCls`;
 * - `resnet18_dy` … `resnet152_dy`: DY-Conv twins (K = 4): every DCD position is a DynamicConv2d
 *   (no bias), and the classifier is a static Linear (`classifier.0` / `classifier.1` after dropout).
 * The official networks end in a fixed 7×7 average pool (224-px inputs only); here every flavour
 * uses an adaptive global average pool, identical at 224 px, so any input ≥ 32 px works.
 */
import { OptionError } from '../errors';
import { BatchNorm2d } from '../nn/batchnorm';
import { Conv2d } from '../nn/conv';
import { Sequential } from '../nn/container';
import { DCDBasicConv2d, DCDConv2d, DYCls } from '../nn/dcd';
import { DynamicConv2d } from '../nn/dynamic_conv2d';
import { Linear } from '../nn/linear';
import type { Module } from '../nn/module';
import { AdaptiveAvgPool2d, MaxPool2d } from '../nn/pooling';
import { ReLU } from '../nn/activation';
import { Dropout, Flatten } from '../nn/shape';
import { ResidualBlock } from './blocks';
import { parseNetworkOptions, type ConvFlavour, type DyNetworkOptions, type NetBackend, type NetworkOptions, type ParsedNetworkOptions } from './common';

type Ctx = { m: NetBackend; flavour: ConvFlavour; o: ParsedNetworkOptions };

/** The convolution at a dynamic position: k×k, stride s, padding (k − 1) / 2, no bias. */
function dynamicPosition(c: Ctx, cin: number, cout: number, k: number, stride: number, basic: boolean): Module {
  const { m, o } = c;
  const padding = (k - 1) / 2;
  switch (c.flavour) {
    case 'static':
      return new Conv2d(m, { inChannels: cin, outChannels: cout, kernelSize: k, stride, padding, bias: false, seed: o.nextSeed() });
    case 'dcd':
      return basic
        ? new DCDBasicConv2d(m, { inChannels: cin, outChannels: cout, stride, seed: o.nextSeed() })
        : new DCDConv2d(m, { inChannels: cin, outChannels: cout, kernelSize: k, stride, padding, seed: o.nextSeed() });
    case 'dy':
      return new DynamicConv2d(m, {
        inChannels: cin, outChannels: cout, kernelSize: k, stride, padding, bias: false,
        kernels: o.kernels, temperature: o.temperature, seed: o.nextSeed(),
      });
  }
}

const bn = (c: Ctx, n: number) => new BatchNorm2d(c.m, { numFeatures: n });

/** ResNet-18/34 basic block: conv 3×3 → BN → ReLU → conv 3×3 → BN, plus the shortcut, then ReLU (the 3×3 convs are the dynamic positions). */
export class BasicBlock extends ResidualBlock {
  /** Output channels per `planes` (1 for basic blocks). */
  static readonly expansion = 1;
  /** First convolution (a dynamic position). */
  readonly conv1: Module;
  /** BatchNorm after conv1. */
  readonly bn1: BatchNorm2d;
  /** The registered ReLU module (stateless; state_dict has no entry for it). */
  readonly relu: ReLU;
  /** Second convolution (a dynamic position). */
  readonly conv2: Module;
  /** BatchNorm after conv2. */
  readonly bn2: BatchNorm2d;
  /** The shortcut projection (1×1 conv + BN) when the shape changes, else null (identity). */
  readonly downsample: Sequential | null;

  constructor(c: Ctx, inplanes: number, planes: number, stride: number, downsample: Sequential | null) {
    super(c.m);
    const r = this.building(() => ({
      conv1: this.registerModule('conv1', dynamicPosition(c, inplanes, planes, 3, stride, true)),
      bn1: this.registerModule('bn1', bn(c, planes)),
      relu: this.registerModule('relu', new ReLU(c.m)),
      conv2: this.registerModule('conv2', dynamicPosition(c, planes, planes, 3, 1, true)),
      bn2: this.registerModule('bn2', bn(c, planes)),
      downsample: downsample ? this.registerModule('downsample', downsample) : null,
    }), [downsample]);
    this.conv1 = r.conv1; this.bn1 = r.bn1; this.relu = r.relu; this.conv2 = r.conv2; this.bn2 = r.bn2; this.downsample = r.downsample;
  }

  get steps() { return [this.conv1, this.bn1, this.relu, this.conv2, this.bn2]; }
  get shortcut() { return this.downsample; }
  get hasResidual() { return true; }
  get reluAfterAdd() { return true; }
}

/** ResNet-50/101/152 bottleneck: conv 1×1 → BN → ReLU → conv 3×3 → BN → ReLU → conv 1×1 (4× planes) → BN, plus the shortcut, then ReLU (every conv is a dynamic position). */
export class Bottleneck extends ResidualBlock {
  /** Output channels per `planes` (4 for bottlenecks). */
  static readonly expansion = 4;
  /** First convolution (a dynamic position). */
  readonly conv1: Module;
  /** BatchNorm after conv1. */
  readonly bn1: BatchNorm2d;
  /** Second convolution (a dynamic position). */
  readonly conv2: Module;
  /** BatchNorm after conv2. */
  readonly bn2: BatchNorm2d;
  /** Third convolution, 1×1 to 4× planes (a dynamic position). */
  readonly conv3: Module;
  /** BatchNorm after conv3. */
  readonly bn3: BatchNorm2d;
  /** The registered ReLU module (stateless; state_dict has no entry for it). */
  readonly relu: ReLU;
  /** A second ReLU for the main path's second use (not registered: it has no state to name). */
  readonly relu2: ReLU;
  /** The shortcut projection (1×1 conv + BN) when the shape changes, else null (identity). */
  readonly downsample: Sequential | null;

  constructor(c: Ctx, inplanes: number, planes: number, stride: number, downsample: Sequential | null) {
    super(c.m);
    const r = this.building(() => ({
      conv1: this.registerModule('conv1', dynamicPosition(c, inplanes, planes, 1, 1, false)),
      bn1: this.registerModule('bn1', bn(c, planes)),
      conv2: this.registerModule('conv2', dynamicPosition(c, planes, planes, 3, stride, false)),
      bn2: this.registerModule('bn2', bn(c, planes)),
      conv3: this.registerModule('conv3', dynamicPosition(c, planes, planes * 4, 1, 1, false)),
      bn3: this.registerModule('bn3', bn(c, planes * 4)),
      relu: this.registerModule('relu', new ReLU(c.m)),
      downsample: downsample ? this.registerModule('downsample', downsample) : null,
    }), [downsample]);
    this.conv1 = r.conv1; this.bn1 = r.bn1; this.conv2 = r.conv2; this.bn2 = r.bn2; this.conv3 = r.conv3; this.bn3 = r.bn3;
    this.relu = r.relu; this.downsample = r.downsample;
    // PyTorch reuses one ReLU module twice on the main path; a module here holds one forward's state,
    // so the second use is a module of its own, not registered (it has no state to name).
    this.relu2 = new ReLU(c.m);
  }

  get steps() { return [this.conv1, this.bn1, this.relu, this.conv2, this.bn2, this.relu2, this.conv3, this.bn3]; }
  get shortcut() { return this.downsample; }
  get hasResidual() { return true; }
  get reluAfterAdd() { return true; }
}

type BlockClass = typeof BasicBlock | typeof Bottleneck;

const LAYOUTS: Record<number, [BlockClass, number[]]> = {
  18: [BasicBlock, [2, 2, 2, 2]],
  34: [BasicBlock, [3, 4, 6, 3]],
  50: [Bottleneck, [3, 4, 6, 3]],
  101: [Bottleneck, [3, 4, 23, 3]],
  152: [Bottleneck, [3, 8, 36, 3]],
};

/** A ResNet: conv1 → bn1 → relu → maxpool → layer1…4 → avgpool → flatten → fc | classifier. */
export class ResNet extends Sequential<NetBackend> {
  /** The ResNet depth: 18, 34, 50, 101 or 152. */
  readonly depth: number;
  /** Which convolution sits at the dynamic positions: 'static', 'dcd' or 'dy'. */
  readonly flavour: ConvFlavour;

  constructor(m: NetBackend, depth: number, flavour: ConvFlavour, options: NetworkOptions | DyNetworkOptions = {}) {
    const name = `resnet${depth}${flavour === 'static' ? '' : `_${flavour}`}`;
    const o = parseNetworkOptions(name, options);
    if (flavour !== 'dy' && ((options as DyNetworkOptions).kernels !== undefined || (options as DyNetworkOptions).temperature !== undefined)) {
      throw new OptionError(`${name}: kernels and temperature are options of the DY-Conv networks only`);
    }
    super(m);
    this.depth = depth;
    this.flavour = flavour;
    const c: Ctx = { m, flavour, o };
    const [Block, counts] = LAYOUTS[depth];
    this.building(() => {
      this.append('conv1', new Conv2d(m, { inChannels: 3, outChannels: 64, kernelSize: 7, stride: 2, padding: 3, bias: false, seed: o.nextSeed() }));
      this.append('bn1', bn(c, 64));
      this.append('relu', new ReLU(m));
      this.append('maxpool', new MaxPool2d(m, { kernelSize: 3, stride: 2, padding: 1 }));
      let inplanes = 64;
      counts.forEach((blocks, i) => {
        const planes = 64 << i;
        const stride = i === 0 ? 1 : 2;
        const layer = new Sequential(m);
        for (let b = 0; b < blocks; b++) {
          const s = b === 0 ? stride : 1;
          let downsample: Sequential | null = null;
          if (b === 0 && (s !== 1 || inplanes !== planes * Block.expansion)) {
            downsample = new Sequential(m, [
              new Conv2d(m, { inChannels: inplanes, outChannels: planes * Block.expansion, kernelSize: 1, stride: s, bias: false, seed: o.nextSeed() }),
              bn(c, planes * Block.expansion),
            ]);
          }
          layer.append(new Block(c, inplanes, planes, s, downsample));
          inplanes = planes * Block.expansion;
        }
        this.append(`layer${i + 1}`, layer);
      });
      this.append('avgpool', new AdaptiveAvgPool2d(m, 1));
      this.append('flatten', new Flatten(m));
      const features = 512 * Block.expansion;
      if (flavour === 'static') {
        this.append('fc', new Linear(m, { inFeatures: features, outFeatures: o.numClasses, seed: o.nextSeed() }));
      } else {
        const head: Module[] = o.dropout !== null ? [new Dropout(m, o.dropout, o.nextSeed())] : [];
        head.push(flavour === 'dcd'
          ? new DYCls(m, { inChannels: features, outChannels: o.numClasses, seed: o.nextSeed() })
          : new Linear(m, { inFeatures: features, outFeatures: o.numClasses, seed: o.nextSeed() }));
        this.append('classifier', new Sequential(m, head));
      }
    });
  }

  override get label(): string {
    return `resnet${this.depth}${this.flavour === 'static' ? '' : `_${this.flavour}`}`;
  }
}

// torchvision's static ResNets (no dropout option: torchvision has none).
export const resnet18 = (m: NetBackend, o?: Omit<NetworkOptions, 'dropout'>) => new ResNet(m, 18, 'static', o);
export const resnet34 = (m: NetBackend, o?: Omit<NetworkOptions, 'dropout'>) => new ResNet(m, 34, 'static', o);
export const resnet50 = (m: NetBackend, o?: Omit<NetworkOptions, 'dropout'>) => new ResNet(m, 50, 'static', o);
export const resnet101 = (m: NetBackend, o?: Omit<NetworkOptions, 'dropout'>) => new ResNet(m, 101, 'static', o);
export const resnet152 = (m: NetBackend, o?: Omit<NetworkOptions, 'dropout'>) => new ResNet(m, 152, 'static', o);
// The official DCD ResNets.
export const resnet18_dcd = (m: NetBackend, o?: NetworkOptions) => new ResNet(m, 18, 'dcd', o);
export const resnet34_dcd = (m: NetBackend, o?: NetworkOptions) => new ResNet(m, 34, 'dcd', o);
export const resnet50_dcd = (m: NetBackend, o?: NetworkOptions) => new ResNet(m, 50, 'dcd', o);
export const resnet101_dcd = (m: NetBackend, o?: NetworkOptions) => new ResNet(m, 101, 'dcd', o);
export const resnet152_dcd = (m: NetBackend, o?: NetworkOptions) => new ResNet(m, 152, 'dcd', o);
// DY-Conv twins.
export const resnet18_dy = (m: NetBackend, o?: DyNetworkOptions) => new ResNet(m, 18, 'dy', o);
export const resnet34_dy = (m: NetBackend, o?: DyNetworkOptions) => new ResNet(m, 34, 'dy', o);
export const resnet50_dy = (m: NetBackend, o?: DyNetworkOptions) => new ResNet(m, 50, 'dy', o);
export const resnet101_dy = (m: NetBackend, o?: DyNetworkOptions) => new ResNet(m, 101, 'dy', o);
export const resnet152_dy = (m: NetBackend, o?: DyNetworkOptions) => new ResNet(m, 152, 'dy', o);
