/** Stateless activation modules: ReLU, ReLU6, Hardsigmoid (relu6(x + 3) / 6, as torch.nn), Sigmoid. */
import type { Activation, NnOps } from '../ops/nn';
import type { Tensor } from '../tensor';
import { needInput } from './conv';
import { Module, type ModuleBackend } from './module';

abstract class ActivationModule extends Module<ModuleBackend & NnOps> {
  protected abstract readonly kind: Activation;
  /** ReLU-like backward needs x; Sigmoid's needs y (its derivative is y·(1 − y)). */
  #saved: Tensor | null = null;

  forward(x: Tensor): Tensor {
    this.checkAlive();
    const y = this.backend.activation(this.kind, x);
    this.#saved = this.kind === 'sigmoid' ? y : x;
    return y;
  }

  backward(dy: Tensor): Tensor {
    this.checkAlive();
    const saved = needInput(this.#saved, this.label);
    this.#saved = null;
    return this.backend.activationBackward(this.kind, saved, dy);
  }

  protected override releaseCache(): void {
    this.#saved = null;
  }
}

/** torch.nn.ReLU: y = max(x, 0) elementwise; no parameters. */
export class ReLU extends ActivationModule {
  /** The activation this module applies. */
  protected readonly kind = 'relu';
}

/** torch.nn.ReLU6: y = min(max(x, 0), 6) elementwise; no parameters. */
export class ReLU6 extends ActivationModule {
  /** The activation this module applies. */
  protected readonly kind = 'relu6';
}

/** torch.nn.Hardsigmoid: y = relu6(x + 3) / 6 elementwise; no parameters. */
export class Hardsigmoid extends ActivationModule {
  /** The activation this module applies. */
  protected readonly kind = 'hardsigmoid';
}

/** Sigmoid's backward reads the forward's OUTPUT: keep y alive until backward in training. */
export class Sigmoid extends ActivationModule {
  /** The activation this module applies. */
  protected readonly kind = 'sigmoid';
}
