/**
 * Building the networks of tests/fixtures/networks.json on a backend, with the fixture's hash weights
 * and BatchNorm calibration (runtime-neutral: no node:*).
 */
import { calibrateBatchNorm, type Backend, type Module } from '../../../bindings/index';
import * as models from '../../../bindings/models/index';
import { hashInput, hashStateDict, type NetworkConfig } from '../../fixtures/networks';

/** The network of a fixture row, built with our constructors (1000 classes). */
export function buildNetwork(m: Backend, cfg: NetworkConfig): Module {
  const o = cfg.options;
  const width = o.width_mult === undefined ? {} : { widthMult: o.width_mult };
  const tau = o.temperature === undefined ? {} : { temperature: o.temperature };
  const make = (models as unknown as Record<string, (m: Backend, o: object) => Module>)[cfg.network];
  if (typeof make !== 'function') throw new Error(`no network constructor '${cfg.network}'`);
  return make(m, { ...width, ...tau });
}

/** Loads the formula's weights (running statistics 0 / 1). */
export function loadHashWeights(net: Module): void {
  net.loadStateDict(hashStateDict(net.namedState().map(([name, t]) => [name, [...t.shape]])));
}

/**
 * The fixture's calibration: running statistics from one train-mode batch of 'input.calibrate'
 * (momentum 1 = PyTorch's momentum None after a reset). Leaves the network in eval mode.
 */
export function calibrate(m: Backend, net: Module, shape: readonly number[]): void {
  m.scope(() => calibrateBatchNorm(net, m.tensor(hashInput('input.calibrate', shape), shape)));
  net.eval();
}
