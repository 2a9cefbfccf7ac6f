/**
 * Sizes and conv descriptors of one DCD call on the wasm kernels. DYCls runs as the same pipeline on
 * 1×1 "images": x (N, Cin) is x (N, Cin, 1, 1), cls/cls_q/cls_p are 1×1 convs, BatchNorm1d is S = 1.
 */
import type { DcdDims } from '../../ops/dcd';
import { dcdBlockLatent, dcdKernelStride, dcdOutSide, dcdPooledWidth } from '../../ops/dcd';

export interface DcdGeometry {
  n: number; cin: number; h: number; w: number;
  cout: number; oh: number; ow: number;
  /** Input and output pixels per channel. */
  hwIn: number; hwOut: number;
  /** Width of g, of fc.0's output, the latent size, blocks, block latent, width of fc_phi's output. */
  pooled: number; squeeze: number; latent: number; blocks: number; lb: number; mphi: number;
  /** 16-i32 conv2d descriptors (ABI order) of the static conv and of q. */
  staticDesc: number[]; qDesc: number[];
}

export function dcdGeometry(d: DcdDims, xShape: readonly number[]): DcdGeometry {
  const vector = d.kind === 'DYCls';
  const [n, cin] = xShape;
  const h = vector ? 1 : xShape[2], w = vector ? 1 : xShape[3];
  const oh = vector ? 1 : dcdOutSide(d, h), ow = vector ? 1 : dcdOutSide(d, w);
  const k = vector ? 1 : d.k, stride = vector ? 1 : dcdKernelStride(d, h, w), pad = vector ? 0 : d.padding;
  const qk = vector ? 1 : d.qk, qPad = qk > 1 ? pad : 0;
  const lb = dcdBlockLatent(d);
  return {
    n, cin, h, w, cout: d.cout, oh, ow, hwIn: h * w, hwOut: oh * ow,
    pooled: dcdPooledWidth(d), squeeze: d.squeeze, latent: d.latent, blocks: d.blocks, lb,
    mphi: d.hasResidual ? d.blocks * lb * lb : 0,
    staticDesc: [n, cin, h, w, d.cout, k, k, stride, stride, pad, pad, 1, 1, 1, oh, ow],
    qDesc: [n, cin, h, w, d.latent, qk, qk, stride, stride, qPad, qPad, 1, 1, d.blocks, oh, ow],
  };
}
