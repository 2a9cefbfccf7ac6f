/**
 * BatchNorm calibration: the running statistics of every BatchNorm in a module tree — BatchNorm1d/2d
 * and the bn1 / bn2 inside the DCD layers — set to one batch's statistics (mean, unbiased variance),
 * as PyTorch does with momentum=None after reset_running_stats() and one training-mode forward.
 * A randomly initialised deep network needs this before eval mode means anything: with running
 * statistics of 0 / 1 a DCD network drifts to NaN.
 */
import type { Tensor } from '../tensor';
import { BatchNorm } from './batchnorm';
import { DcdLayer } from './dcd';
import type { Module } from './module';

/** The modules whose running statistics follow a momentum. */
function batchNorms(model: Module): (BatchNorm | DcdLayer)[] {
  return model.namedModules().map(([, m]) => m).filter((m): m is BatchNorm | DcdLayer => m instanceof BatchNorm || m instanceof DcdLayer);
}

/**
 * Runs one training-mode forward of `input` with momentum 1, so every running statistic becomes this
 * batch's; then restores each module's momentum and train/eval mode. Parameters are not touched and
 * nothing is kept for backward (the forward's activations are freed). Use data like the inputs the
 * network will see.
 */
export function calibrateBatchNorm(model: Module, input: Tensor): void {
  const norms = batchNorms(model);
  const momenta = norms.map((n) => n.momentum);
  const modes = model.namedModules().map(([, m]) => [m, m.training] as const);
  try {
    for (const n of norms) n.momentum = 1;
    model.train();
    model.backend.scope(() => { model.forward(input); });
  } finally {
    norms.forEach((n, i) => { n.momentum = momenta[i]; });
    for (const [m, training] of modes) m.train(training);
  }
}
