/**
 * MobileNetV2 in three flavours with the state-dict names of their PyTorch originals:
 * - `mobilenet_v2`: torchvision's static network (`features.N.conv.M.K…`, `classifier.1`);
 * - `mobilenetv2_dcd`: the official DCD network (github liyunsheng13/dcd,
 *   models/imagenet/mobilenetv2_dcd.py): DYModule for the expand and project 1×1 convs, static
 *   depthwise convs, a static expansion-1 block, a final 1×1 conv to 1280 (`conv`), a `classifier`
 *   Sequential ending in DYCls;
 * - `mobilenetv2_dy`: the DY-Conv twin (K = 4): DynamicConv2d 1×1 at the DYModule positions and a
 *   static Linear classifier.
 * Channels are rounded to multiples of 8 (4 at width 0.1) as both originals do.
 */
import { OptionError } from '../errors';
import { describe } from '../ops/checks';
import { ReLU6 } from '../nn/activation';
import { BatchNorm2d } from '../nn/batchnorm';
import { Conv2d } from '../nn/conv';
import { Sequential } from '../nn/container';
import { DYCls, DYModule } from '../nn/dcd';
import { DynamicConv2d } from '../nn/dynamic_conv2d';
import { Linear } from '../nn/linear';
import type { Module } from '../nn/module';
import { AdaptiveAvgPool2d } from '../nn/pooling';
import { Dropout, Flatten } from '../nn/shape';
import { ResidualBlock } from './blocks';
import { parseNetworkOptions, type ConvFlavour, type DyNetworkOptions, type NetBackend, type NetworkOptions, type ParsedNetworkOptions } from './common';

/** Options of the static and DCD MobileNetV2 constructors. */
export interface MobileNetV2Options extends NetworkOptions {
  /** Width multiplier (default 1.0). */
  widthMult?: number;
  /** DCD only: DYModule's fc_squeeze (default 8). */
  fcSqueeze?: number;
}

/** Options of the DY-Conv MobileNetV2 constructor. */
export interface MobileNetV2DyOptions extends DyNetworkOptions {
  /** Width multiplier (default 1.0). */
  widthMult?: number;
}

/** `_make_divisible` of both originals: round to the nearest multiple, never down by more than 10%. */
export function makeDivisible(v: number, divisor: number): number {
  const rounded = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  return rounded < 0.9 * v ? rounded + divisor : rounded;
}

/** t (expansion), c (channels), n (repeats), s (first stride): the inverted-residual settings. */
const SETTINGS: [number, number, number, number][] = [
  [1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1],
];

type Ctx = { m: NetBackend; flavour: ConvFlavour; o: ParsedNetworkOptions & { fcSqueeze?: number } };

const bn = (c: Ctx, n: number) => new BatchNorm2d(c.m, { numFeatures: n });
const conv = (c: Ctx, cin: number, cout: number, k: number, stride = 1, groups = 1) =>
  new Conv2d(c.m, { inChannels: cin, outChannels: cout, kernelSize: k, stride, padding: (k - 1) / 2, groups, bias: false, seed: c.o.nextSeed() });
/** conv + BN + ReLU6: torchvision's Conv2dNormActivation, the official conv_3x3_bn / conv_1x1_bn. */
const convBnRelu6 = (c: Ctx, cin: number, cout: number, k: number, stride = 1, groups = 1) =>
  new Sequential(c.m, [conv(c, cin, cout, k, stride, groups), bn(c, cout), new ReLU6(c.m)]);

/** The 1×1 conv at a dynamic position (DCD: DYModule; DY: DynamicConv2d; static: Conv2d). */
function pointwise(c: Ctx, cin: number, cout: number): Module {
  switch (c.flavour) {
    case 'dcd': return new DYModule(c.m, { inChannels: cin, outChannels: cout, fcSqueeze: c.o.fcSqueeze, seed: c.o.nextSeed() });
    case 'dy': return new DynamicConv2d(c.m, { inChannels: cin, outChannels: cout, kernelSize: 1, bias: false, kernels: c.o.kernels, temperature: c.o.temperature, seed: c.o.nextSeed() });
    case 'static': return conv(c, cin, cout, 1);
  }
}

/** MobileNetV2's inverted residual block: expand 1×1 (absent when t = 1) → depthwise 3×3 → project 1×1 (with t > 1 the 1×1 convs are the dynamic positions), plus the identity shortcut when stride is 1 and the channel counts match. */
export class InvertedResidual extends ResidualBlock {
  /** The block's layers (state_dict prefix 'conv'). */
  readonly conv: Sequential;
  /** Whether the input is added to the output (stride 1 and equal in/out channels). */
  readonly identity: boolean;

  constructor(c: Ctx, inp: number, oup: number, stride: number, t: number) {
    super(c.m);
    const hidden = Math.round(inp * t);
    this.identity = stride === 1 && inp === oup;
    const { m } = c;
    let layers: Module[];
    if (t === 1) {
      // Static in every flavour (the official code ignores its 'dynamic' flag here).
      layers = c.flavour === 'static'
        ? [convBnRelu6(c, hidden, hidden, 3, stride, hidden), conv(c, hidden, oup, 1), bn(c, oup)]
        : [conv(c, hidden, hidden, 3, stride, hidden), bn(c, hidden), new ReLU6(m), conv(c, hidden, oup, 1), bn(c, oup)];
    } else if (c.flavour === 'static') {
      layers = [convBnRelu6(c, inp, hidden, 1), convBnRelu6(c, hidden, hidden, 3, stride, hidden), conv(c, hidden, oup, 1), bn(c, oup)];
    } else {
      layers = [pointwise(c, inp, hidden), bn(c, hidden), new ReLU6(m),
        conv(c, hidden, hidden, 3, stride, hidden), bn(c, hidden), new ReLU6(m),
        pointwise(c, hidden, oup), bn(c, oup)];
    }
    // Modules built before a failure are not yet owned by anyone: free them with the block.
    this.conv = this.building(() => this.registerModule('conv', new Sequential(m, layers)), layers);
  }

  get steps() { return [this.conv]; }
  get shortcut() { return null; }
  get hasResidual() { return this.identity; }
  get reluAfterAdd() { return false; }
}

/** features → conv (DCD, DY) → avgpool → flatten → classifier. */
export class MobileNetV2 extends Sequential<NetBackend> {
  /** The width multiplier the network was built with. */
  readonly widthMult: number;
  /** Which convolution sits at the dynamic positions: 'static', 'dcd' or 'dy'. */
  readonly flavour: ConvFlavour;

  constructor(m: NetBackend, flavour: ConvFlavour, options: MobileNetV2Options | MobileNetV2DyOptions = {}) {
    const name = flavour === 'static' ? 'mobilenet_v2' : `mobilenetv2_${flavour}`;
    const extra = flavour === 'dcd' ? ['widthMult', 'fcSqueeze'] : ['widthMult'];
    const o = parseNetworkOptions(name, options, extra) as Ctx['o'] & { widthMult?: unknown };
    if (flavour !== 'dy' && ((options as DyNetworkOptions).kernels !== undefined || (options as DyNetworkOptions).temperature !== undefined)) {
      throw new OptionError(`${name}: kernels and temperature are options of the DY-Conv networks only`);
    }
    const w = o.widthMult ?? 1;
    if (typeof w !== 'number' || !(w > 0) || !Number.isFinite(w)) throw new OptionError(`${name}: widthMult must be a finite number > 0, got ${describe(w)}`);
    if (o.fcSqueeze !== undefined && (!Number.isInteger(o.fcSqueeze) || (o.fcSqueeze as number) < 1)) {
      throw new OptionError(`${name}: fcSqueeze must be an integer >= 1, got ${describe(o.fcSqueeze)}`);
    }
    super(m);
    this.widthMult = w;
    this.flavour = flavour;
    const c: Ctx = { m, flavour, o };
    const round = flavour === 'static' ? 8 : (w === 0.1 ? 4 : 8);
    this.building(() => {
      const features = this.append('features', new Sequential(m));
      let input = makeDivisible(32 * w, round);
      features.append(convBnRelu6(c, 3, input, 3, 2));
      for (const [t, ch, n, s] of SETTINGS) {
        const output = makeDivisible(ch * w, round);
        for (let i = 0; i < n; i++) {
          features.append(new InvertedResidual(c, input, output, i === 0 ? s : 1, t));
          input = output;
        }
      }
      const last = flavour === 'static' ? makeDivisible(1280 * Math.max(1, w), round) : (w > 1 ? makeDivisible(1280 * w, round) : 1280);
      if (flavour === 'static') features.append(convBnRelu6(c, input, last, 1));
      else this.append('conv', convBnRelu6(c, input, last, 1));
      this.append('avgpool', new AdaptiveAvgPool2d(m, 1));
      this.append('flatten', new Flatten(m));
      const head: Module[] = [];
      if (flavour === 'static') head.push(new Dropout(m, o.dropout ?? 0.2, o.nextSeed()));
      else if (o.dropout !== null) head.push(new Dropout(m, o.dropout, o.nextSeed()));
      head.push(flavour === 'dcd'
        ? new DYCls(m, { inChannels: last, outChannels: o.numClasses, seed: o.nextSeed() })
        : new Linear(m, { inFeatures: last, outFeatures: o.numClasses, seed: o.nextSeed() }));
      this.append('classifier', new Sequential(m, head));
    });
  }

  override get label(): string {
    return this.flavour === 'static' ? 'mobilenet_v2' : `mobilenetv2_${this.flavour}`;
  }
}

/** torchvision's static MobileNetV2 (dropout 0.2 before `classifier.1`, as torchvision). */
export const mobilenet_v2 = (m: NetBackend, o?: Omit<MobileNetV2Options, 'fcSqueeze'>) => new MobileNetV2(m, 'static', o);
/** The official DCD MobileNetV2. */
export const mobilenetv2_dcd = (m: NetBackend, o?: MobileNetV2Options) => new MobileNetV2(m, 'dcd', o);
/** The DY-Conv twin (K = 4). */
export const mobilenetv2_dy = (m: NetBackend, o?: MobileNetV2DyOptions) => new MobileNetV2(m, 'dy', o);
