/**
 * The tensors of one DCD layer, by PyTorch state_dict name, with their shapes (spec §3). Both backends
 * and the layers take the layer state as a record keyed by these names.
 */
import type { DcdDims } from './dcd_config';

/** Module names that differ between kinds: `conv`/`q`/`p` (conv_dy, conv_basic_dy), `conv`/`conv_q`/`conv_p`
 *  (DYModule), `cls`/`cls_q`/`cls_p` (DYCls). */
export interface DcdModuleNames {
  static: string;
  q: string;
  p: string;
}

export function dcdModuleNames(kind: DcdDims['kind']): DcdModuleNames {
  switch (kind) {
    case 'DYModule': return { static: 'conv', q: 'conv_q', p: 'conv_p' };
    case 'DYCls': return { static: 'cls', q: 'cls_q', p: 'cls_p' };
    default: return { static: 'conv', q: 'q', p: 'p' };
  }
}

export interface DcdTensorSpec {
  name: string;
  shape: number[];
  /** 'parameter' gets a gradient; 'buffer' (BN running stats) is updated in train mode instead. */
  role: 'parameter' | 'buffer';
}

/** Names of the tensors in the dynamic branch and the BatchNorms, for use in code. */
export const DCD_NAMES = {
  fc0: 'fc.0.weight',
  se: 'fc.1.fc.0.weight',
  phi: 'fc_phi.weight',
  scale: 'fc_scale.weight',
  bn: (which: 1 | 2, field: 'weight' | 'bias' | 'running_mean' | 'running_var') => `bn${which}.${field}`,
} as const;

/** Width of g (input of fc.0): Cin·pool². */
export const dcdPooledWidth = (d: DcdDims): number => d.cin * d.pool * d.pool;

/** Size of one latent block L/B. */
export const dcdBlockLatent = (d: DcdDims): number => d.latent / d.blocks;

/** Every tensor of the layer in state_dict order (parameters and buffers), with shapes. */
export function dcdTensorSpecs(d: DcdDims): DcdTensorSpec[] {
  const names = dcdModuleNames(d.kind);
  const L = d.latent, S = d.squeeze, lb = dcdBlockLatent(d);
  const param = (name: string, shape: number[]): DcdTensorSpec => ({ name, shape, role: 'parameter' });
  const specs: DcdTensorSpec[] = [];
  if (d.kind === 'DYCls') {
    specs.push(param(`${names.static}.weight`, [d.cout, d.cin]), param(`${names.static}.bias`, [d.cout]));
  } else {
    specs.push(param(`${names.static}.weight`, [d.cout, d.cin, d.k, d.k]));
  }
  const q = !d.hasResidual ? [] : [d.kind === 'DYCls'
    ? param(`${names.q}.weight`, [L, d.cin])
    : param(`${names.q}.weight`, [L, d.cin / d.blocks, d.qk, d.qk])];
  const p = !d.hasResidual ? [] : [d.kind === 'DYCls'
    ? param(`${names.p}.weight`, [d.cout, L])
    : param(`${names.p}.weight`, [d.cout, lb, 1, 1])];
  const batchNorms: DcdTensorSpec[] = [];
  if (d.hasResidual) {
    for (const which of [1, 2] as const) {
      batchNorms.push(param(DCD_NAMES.bn(which, 'weight'), [L]), param(DCD_NAMES.bn(which, 'bias'), [L]));
      batchNorms.push({ name: DCD_NAMES.bn(which, 'running_mean'), shape: [L], role: 'buffer' });
      batchNorms.push({ name: DCD_NAMES.bn(which, 'running_var'), shape: [L], role: 'buffer' });
    }
  }
  const dynamic = [param(DCD_NAMES.fc0, [S, dcdPooledWidth(d)]), param(DCD_NAMES.se, [S, S])];
  if (d.hasResidual) dynamic.push(param(DCD_NAMES.phi, [d.blocks * lb * lb, S]));
  if (d.hasLambda) dynamic.push(param(DCD_NAMES.scale, [d.cout, S]));
  // PyTorch's state_dict order is each official module's registration order:
  //   conv_dy / conv_basic_dy: conv, q, p, bn1, bn2, fc, fc_phi, fc_scale
  //   DYModule:                conv, conv_q, fc, fc_phi, fc_scale, conv_p, bn1, bn2
  //   DYCls:                   cls, cls_q, cls_p, fc, fc_phi, fc_scale, bn1, bn2
  if (d.kind === 'DYModule') specs.push(...q, ...dynamic, ...p, ...batchNorms);
  else if (d.kind === 'DYCls') specs.push(...q, ...p, ...dynamic, ...batchNorms);
  else specs.push(...q, ...p, ...batchNorms, ...dynamic);
  return specs;
}
