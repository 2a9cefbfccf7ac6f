/**
 * Running modules one after another with the activation ownership of the module contract: the
 * tensors between steps belong to whoever runs the chain. Shared by Sequential and the network
 * blocks (whose forward is a chain plus a residual add).
 */
import type { Tensor } from '../tensor';
import type { Module } from './module';

/**
 * y = steps[n−1](…steps[0](x)). The activations between steps go to `kept` (training: each step's
 * backward reads its input) or, when `kept` is null, are freed as soon as the next step has run.
 * On an error every activation made here is freed. With no steps, returns x itself.
 */
export function forwardChain(steps: readonly Module[], x: Tensor, kept: Tensor[] | null): Tensor {
  let h = x;
  try {
    for (const step of steps) {
      const y = step.forward(h);
      if (h !== x) {
        if (kept) kept.push(h);
        else h.dispose();
      }
      h = y;
    }
  } catch (e) {
    if (h !== x) h.dispose();
    throw e;
  }
  return h;
}

/** dL/dx through the steps in reverse; the gradients between steps are freed. With no steps, returns dy itself. */
export function backwardChain(steps: readonly Module[], dy: Tensor): Tensor {
  let g = dy;
  try {
    for (let i = steps.length - 1; i >= 0; i--) {
      const next = steps[i].backward(g);
      if (g !== dy) g.dispose();
      g = next;
    }
  } catch (e) {
    if (g !== dy) g.dispose();
    throw e;
  }
  return g;
}
