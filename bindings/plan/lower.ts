/**
 * Lowering: a module tree, in eval mode, into plan steps (graph.ts). One function per kind of module
 * the plan understands; anything else runs as it is (an eager step), so every model can be planned
 * and the plan's describe() says which parts are not fused.
 */
import { BatchNorm } from '../nn/batchnorm';
import { Conv2d } from '../nn/conv';
import { Linear } from '../nn/linear';
import { Sequential } from '../nn/container';
import { DcdLayer } from '../nn/dcd';
import type { Module } from '../nn/module';
import { ReLU, ReLU6 } from '../nn/activation';
import { Dropout, Flatten, Identity } from '../nn/shape';
import { ResidualBlock } from '../models/blocks';
import type { ModuleBackend } from '../nn/module';
import { conv2dOutputShape, resolveConv2d } from '../ops/conv2d_options';
import type { Tensor } from '../tensor';
import { PlanGraph, type Value } from './graph';

type Lowering = (g: PlanGraph, module: Module, x: Value, name: string) => Value;

export function lowerModule(g: PlanGraph, module: Module, x: Value, name: string): Value {
  if (module instanceof Sequential) return lowerSequential(g, module, x, name);
  if (module instanceof ResidualBlock) return lowerResidual(g, module, x, name);
  if (module instanceof Conv2d) return lowerConv(g, module, x, name);
  if (module instanceof BatchNorm && !module.usesBatchStats && x.shape.length === 4) return lowerBatchNorm(g, module, x, name);
  if (module instanceof ReLU || module instanceof ReLU6) return lowerActivation(g, module, x, name);
  if (module instanceof DcdLayer && module.dims.kind !== 'DYCls' && x.shape.length === 4) {
    const state = Object.fromEntries(module.namedState().map(([n, t]) => [n, { data: t.toFloat32Array(), shape: t.shape }]));
    return g.dcd(x, qualified(name, module), module.dims, state, eagerOutputShape(module, x.shape));
  }
  if (module instanceof Linear && x.shape.length === 2) {
    return g.linear(x, qualified(name, module), module.weight.toFloat32Array(), module.weight.shape, module.bias?.toFloat32Array() ?? null);
  }
  if (module instanceof Flatten) {
    // After a pool that runs as it is, flattening there too saves a step; else it is free (a reshape).
    const shape = [x.shape[0], x.size / x.shape[0]];
    return g.chainEager(x, module, shape) ?? g.reshape(x, shape, qualified(name, module));
  }
  if (module instanceof Identity || module instanceof Dropout) return x; // eval mode: both are the identity
  return g.eager(x, module, eagerOutputShape(module, x.shape), qualified(name, module));
}

const qualified = (name: string, module: Module) => (name ? `${name}: ${module.label}` : module.label);

const lowerSequential: Lowering = (g, module, x, name) => {
  let v = x;
  for (const [child, m] of module.children()) v = lowerModule(g, m, v, name ? `${name}.${child}` : child);
  return v;
};

/** The shortcut first, so that it exists when the main path's last conv adds it in its output write. */
const lowerResidual = (g: PlanGraph, block: ResidualBlock, x: Value, name: string): Value => {
  const childName = (m: Module) => {
    const entry = block.children().find(([, c]) => c === m);
    return entry ? (name ? `${name}.${entry[0]}` : entry[0]) : name;
  };
  const shortcut = block.hasResidual ? (block.shortcut ? lowerModule(g, block.shortcut, x, childName(block.shortcut)) : g.hold(x)) : null;
  let v = x;
  for (const step of block.steps) v = lowerModule(g, step, v, childName(step));
  if (shortcut === null) return v;
  return g.add(v, shortcut, block.reluAfterAdd, `${name || block.label}: add${block.reluAfterAdd ? ' + ReLU' : ''}`);
};

const lowerConv = (g: PlanGraph, conv: Conv2d, x: Value, name: string): Value => {
  const label = qualified(name, conv);
  const p = resolveConv2d(label, x.shape, conv.weight.shape, conv.geometry);
  // The plan's own copies: folding rewrites them, the model keeps its weights.
  return g.conv(x, label, conv.weight.toFloat32Array(), conv.weight.shape, conv.bias?.toFloat32Array() ?? null,
    conv.geometry, conv2dOutputShape(p));
};

const lowerBatchNorm = (g: PlanGraph, bn: BatchNorm, x: Value, name: string): Value => {
  const { weight, bias, runningMean, runningVar } = bn.bnState;
  const mean = (runningMean as Tensor).data, variance = (runningVar as Tensor).data;
  const gamma = weight?.data, beta = bias?.data;
  const c = bn.numFeatures;
  const scale = new Float64Array(c), shift = new Float64Array(c);
  for (let i = 0; i < c; i++) {
    // PyTorch's eval BatchNorm: (x − mean) / sqrt(var + eps) · γ + β, in float64 here, rounded once.
    const s = (gamma ? gamma[i] : 1) / Math.sqrt(variance[i] + bn.eps);
    scale[i] = s;
    shift[i] = (beta ? beta[i] : 0) - mean[i] * s;
  }
  return g.foldAffine(x, qualified(name, bn), scale, shift) ?? g.eager(x, bn, x.shape, qualified(name, bn));
};

const lowerActivation = (g: PlanGraph, act: ReLU | ReLU6, x: Value, name: string): Value =>
  g.foldActivation(x, qualified(name, act), act instanceof ReLU6 ? 'relu6' : 'relu') ?? g.eager(x, act, x.shape, qualified(name, act));

/** Output shape of a module the plan runs as it is: from its geometry when known, else by running it once on zeros. */
function eagerOutputShape(module: Module, shape: readonly number[]): readonly number[] {
  if (module instanceof DcdLayer && module.dims.kind !== 'DYCls' && shape.length === 4) {
    const { cout, k, stride, padding } = module.dims;
    const side = (n: number) => Math.floor((n + 2 * padding - k) / stride) + 1;
    return [shape[0], cout, side(shape[2]), side(shape[3])];
  }
  const m = module.backend as ModuleBackend;
  return m.scope(() => module.forward(m.zeros(shape)).shape);
}
