/** Modules without parameters that move or drop values: Flatten, Identity, Dropout. */
import { OptionError } from '../errors';
import { describe, expectInt } from '../ops/checks';
import type { NnOps } from '../ops/nn';
import type { Tensor } from '../tensor';
import { needInput } from './conv';
import { Module, type ModuleBackend } from './module';

type Backend = ModuleBackend & NnOps;

/**
 * A module whose backward needs only the shape of its input (a linear map fixed by the shape:
 * reshapes, average pooling). It keeps that shape, never a reference to the input.
 */
export abstract class ShapeOnlyModule extends Module<Backend> {
  #xShape: readonly number[] | null = null;

  /** y for x. */
  protected abstract apply(x: Tensor): Tensor;
  /** dL/dx for an input of shape `xShape`. */
  protected abstract applyBackward(xShape: readonly number[], dy: Tensor): Tensor;

  forward(x: Tensor): Tensor {
    this.checkAlive();
    const y = this.apply(x);
    this.#xShape = x.shape;
    return y;
  }

  backward(dy: Tensor): Tensor {
    this.checkAlive();
    const shape = needInput(this.#xShape, this.label);
    this.#xShape = null;
    return this.applyBackward(shape, dy);
  }
}

/** (N, C, H, W, …) → (N, C·H·W·…): dimensions from 1 on flattened, as torch.nn.Flatten(). */
export class Flatten extends ShapeOnlyModule {
  protected apply(x: Tensor): Tensor {
    return this.backend.reshape(x, [x.shape[0], -1]);
  }

  protected applyBackward(xShape: readonly number[], dy: Tensor): Tensor {
    return this.backend.reshape(dy, xShape);
  }
}

/** y = x (a copy: every module's output belongs to its caller). */
export class Identity extends Module<Backend> {
  forward(x: Tensor): Tensor {
    this.checkAlive();
    return this.backend.clone(x);
  }

  backward(dy: Tensor): Tensor {
    this.checkAlive();
    return this.backend.clone(dy);
  }
}

/**
 * Inverted dropout (torch.nn.Dropout) in training mode, the identity in eval mode. The mask comes from
 * a counter-based hash of (seed, element index), so every backend draws the same mask; the seed
 * advances by one per training forward, so a run is reproducible from the module's `seed`.
 */
export class Dropout extends Module<Backend> {
  /** Probability of zeroing an element in training mode, in [0, 1). */
  readonly p: number;
  /** The seed the NEXT training forward uses (settable, part of a training checkpoint). */
  seed: number;
  #usedSeed: number | null = null;

  constructor(backend: Backend, p = 0.5, seed = 0) {
    super(backend);
    if (typeof p !== 'number' || !(p >= 0 && p < 1)) throw new OptionError(`Dropout: p must be a number in [0, 1), got ${describe(p)}`);
    this.p = p;
    this.seed = expectInt(seed, 'Dropout', 'seed', 0);
  }

  override get label(): string {
    return `Dropout(p=${this.p})`;
  }

  forward(x: Tensor): Tensor {
    this.checkAlive();
    if (!this.training || this.p === 0) {
      this.#usedSeed = -1;
      return this.backend.clone(x);
    }
    const seed = this.seed >>> 0;
    const y = this.backend.dropout(x, this.p, seed);
    this.#usedSeed = seed;
    this.seed = (seed + 1) >>> 0;
    return y;
  }

  backward(dy: Tensor): Tensor {
    this.checkAlive();
    const seed = needInput(this.#usedSeed, this.label);
    this.#usedSeed = null;
    return seed < 0 ? this.backend.clone(dy) : this.backend.dropoutBackward(dy, this.p, seed);
  }
}
