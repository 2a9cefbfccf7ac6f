/**
 * Sequential: children run in order, named '0', '1', … as torch.nn.Sequential (or by the names given,
 * for networks whose forward is a plain chain, e.g. ResNet's conv1 → bn1 → … → classifier).
 *
 * It owns the activations between its children: in training mode it keeps them (each child's
 * backward reads its input) until its own backward; in eval mode each one is freed as soon as the next
 * child has consumed it, so inference holds at most two activations at a time.
 */
import { OptionError } from '../errors';
import { describe } from '../ops/checks';
import type { NnOps } from '../ops/nn';
import type { Tensor } from '../tensor';
import { backwardChain, forwardChain } from './chain';
import { Module, type ModuleBackend } from './module';

type Backend = ModuleBackend & Pick<NnOps, 'clone'>;

export class Sequential<B extends Backend = Backend> extends Module<B> {
  readonly #steps: Module[] = [];
  /** Activations kept for backward (training mode): the input of child i + 1 at index i. */
  #kept: Tensor[] = [];
  #forwarded = false;

  constructor(backend: B, modules: readonly (Module | readonly [string, Module])[] = []) {
    super(backend);
    if (!Array.isArray(modules)) throw new OptionError(`Sequential: modules must be an array, got ${describe(modules)}`);
    modules.forEach((entry, i) => {
      const [name, module] = Array.isArray(entry) ? entry as unknown as readonly [string, Module] : [String(i), entry as Module];
      this.append(name, module);
    });
  }

  /** Adds a child at the end (name defaults to its index). Returns the child. */
  append<M extends Module>(name: string, module: M): M;
  append<M extends Module>(module: M): M;
  append<M extends Module>(a: string | M, b?: M): M {
    const [name, module] = typeof a === 'string' ? [a, b as M] : [String(this.#steps.length), a];
    this.registerModule(name, module);
    this.#steps.push(module);
    return module;
  }

  /** Number of steps (child modules) in the sequence. */
  get length(): number {
    return this.#steps.length;
  }

  /** The i-th child. */
  at(i: number): Module | undefined {
    return this.#steps.at(i);
  }

  forward(x: Tensor): Tensor {
    this.checkAlive();
    this.releaseCache();
    if (this.#steps.length === 0) return this.backend.clone(x);
    try {
      const y = forwardChain(this.#steps, x, this.training ? this.#kept : null);
      this.#forwarded = this.training;
      return y;
    } catch (e) {
      this.releaseCache();
      throw e;
    }
  }

  backward(dy: Tensor): Tensor {
    this.checkAlive();
    if (this.#steps.length === 0) return this.backend.clone(dy);
    if (!this.#forwarded) {
      throw new OptionError(`${this.label}: backward() needs a forward() in training mode first (eval mode keeps no activations)`);
    }
    try {
      return backwardChain(this.#steps, dy);
    } finally {
      this.releaseCache();
    }
  }

  protected override releaseCache(): void {
    for (const t of this.#kept) t.dispose();
    this.#kept = [];
    this.#forwarded = false;
  }
}
