/**
 * Shapes of one DCD call: the three convolutions (static W0, q, p) as conv2d descriptors and the
 * sizes of every intermediate. DYCls runs through the same code as a 1×1 "image" (x viewed as
 * (N, Cin, 1, 1)): its Linears are then 1×1 convolutions and BatchNorm1d over (N, L) is BatchNorm over (N, L, 1).
 */
import type { Conv2dParams } from '../../ops/conv2d_params';
import { dcdBlockLatent, dcdModuleNames, dcdPooledWidth, type DcdDims } from '../../ops/dcd';

export interface DcdGeometry {
  n: number; h: number; w: number; oh: number; ow: number;
  /** Output pixels per channel, OH·OW. */
  pixels: number;
  /** Width of the pooled descriptor g (Cin·pool²) and of one latent block (L/B). */
  pooled: number;
  blockLatent: number;
  staticConv: Conv2dParams;
  qConv: Conv2dParams;
  pConv: Conv2dParams;
  names: { static: string; q: string; p: string; staticBias: string | null };
}

function conv(n: number, c: number, h: number, w: number, k: number, kernel: number, stride: number, pad: number, groups: number): Conv2dParams {
  const oh = Math.floor((h + 2 * pad - kernel) / stride) + 1;
  const ow = Math.floor((w + 2 * pad - kernel) / stride) + 1;
  return { n, c, h, w, k, kh: kernel, kw: kernel, sh: stride, sw: stride, ph: pad, pw: pad, dh: 1, dw: 1, groups, oh, ow };
}

export function dcdGeometry(d: DcdDims, xShape: readonly number[]): DcdGeometry {
  const [n] = xShape;
  const h = d.kind === 'DYCls' ? 1 : xShape[2];
  const w = d.kind === 'DYCls' ? 1 : xShape[3];
  const staticConv = conv(n, d.cin, h, w, d.cout, d.k, d.stride, d.padding, 1);
  const qConv = conv(n, d.cin, h, w, d.latent, d.qk, d.stride, d.qk > 1 ? d.padding : 0, d.blocks);
  const { oh, ow } = staticConv;
  const pConv = conv(n, d.latent, oh, ow, d.cout, 1, 1, 0, d.blocks);
  const m = dcdModuleNames(d.kind);
  return {
    n, h, w, oh, ow, pixels: oh * ow, pooled: dcdPooledWidth(d), blockLatent: dcdBlockLatent(d),
    staticConv, qConv, pConv,
    names: {
      static: `${m.static}.weight`, q: `${m.q}.weight`, p: `${m.p}.weight`,
      staticBias: d.kind === 'DYCls' ? `${m.static}.bias` : null,
    },
  };
}
