/**
 * What the network constructors share: the backend they need, the three convolution flavours a
 * network position can take (static, DCD, DY-Conv), option parsing and a seed sequence.
 */
import type { Backend } from '../backend';
import { OptionError } from '../errors';
import { describe, expectInt, expectOptions } from '../ops/checks';
import { DynamicConv2d } from '../nn/dynamic_conv2d';
import type { Module } from '../nn/module';

/** Every op group the networks use; what `init()` returns. */
export type NetBackend = Backend;

/** Which convolution sits at a network's dynamic positions. */
export type ConvFlavour = 'static' | 'dcd' | 'dy';

/** Options every network constructor takes. */
export interface NetworkOptions {
  /** Classifier outputs (default 1000). */
  numClasses?: number;
  /** Dropout probability before the classifier (default none, as the official constructors). */
  dropout?: number | null;
  /** Seed of the deterministic initialisation (default 0). */
  seed?: number;
}

/** Options of the DY-Conv networks: NetworkOptions plus the dynamic-convolution settings. */
export interface DyNetworkOptions extends NetworkOptions {
  /** DY-Conv kernels per position (default 4, the paper's baseline). */
  kernels?: number;
  /** Softmax temperature τ (default 30, the paper's start; anneal to 1 with setTemperature). */
  temperature?: number;
}

export interface ParsedNetworkOptions {
  numClasses: number;
  dropout: number | null;
  kernels: number;
  temperature: number;
  /** Returns a fresh seed per layer, derived from the network seed. */
  nextSeed: () => number;
}

export function parseNetworkOptions(op: string, options: unknown, extraKeys: readonly string[] = []): ParsedNetworkOptions & Record<string, unknown> {
  const keys = ['numClasses', 'dropout', 'seed', 'kernels', 'temperature', ...extraKeys];
  const o = expectOptions<DyNetworkOptions & Record<string, unknown>>(options, op, keys);
  const numClasses = o.numClasses === undefined ? 1000 : expectInt(o.numClasses, op, 'numClasses', 1);
  let dropout: number | null = null;
  if (o.dropout !== undefined && o.dropout !== null) {
    if (typeof o.dropout !== 'number' || !(o.dropout >= 0 && o.dropout < 1)) {
      throw new OptionError(`${op}: dropout must be a number in [0, 1) or null, got ${describe(o.dropout)}`);
    }
    dropout = o.dropout;
  }
  const seed = o.seed === undefined ? 0 : expectInt(o.seed, op, 'seed', 0);
  const kernels = o.kernels === undefined ? 4 : expectInt(o.kernels, op, 'kernels', 1);
  if (o.temperature !== undefined && (typeof o.temperature !== 'number' || !(o.temperature > 0) || !Number.isFinite(o.temperature))) {
    throw new OptionError(`${op}: temperature must be a finite number > 0, got ${describe(o.temperature)}`);
  }
  let counter = 0;
  // Layer seeds: a multiplicative hash of (network seed, layer counter), so no two layers share an initialisation.
  const nextSeed = () => (Math.imul(seed ^ 0x5bd1e995, 2654435761) + Math.imul(++counter, 0x9e3779b1)) >>> 1;
  return { ...o, numClasses, dropout, kernels, temperature: o.temperature ?? 30, nextSeed };
}

/** Sets the DY-Conv temperature of every DynamicConv2d in a module tree (annealing). */
export function setTemperature(model: Module, temperature: number): void {
  for (const [, m] of model.namedModules()) {
    if (m instanceof DynamicConv2d && m.mode === 'softmax') m.temperature = temperature;
  }
}
