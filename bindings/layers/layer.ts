/**
 * Layer: the base class of every layer object (DCD layers, DynamicConv2d, …). It owns the layer's
 * tensors by PyTorch state_dict name — parameters (which get gradients) and buffers (e.g. BatchNorm
 * running statistics) — the gradients of the last backward, the train/eval flag, and state-dict
 * import/export with checks that name the offending tensor.
 *
 * Subclasses register their tensors in the constructor (addParameter / addBuffer, in state_dict
 * order), implement forward/backward on the backend's op group, and hand gradients to setGrads().
 */
import type { CoreOps } from '../backend';
import { DisposedTensorError, StateDictError } from '../errors';
import { fmtShape } from '../ops/checks';
import type { Tensor } from '../tensor';

/** A tensor as a state dict holds it: a Tensor of any backend, or plain { shape, data }. */
export interface StateTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array | readonly number[];
}
export type StateDict = Record<string, StateTensor>;

export interface LoadStateDictOptions {
  /** true (default): a key the layer does not have is an error; false: such keys are ignored. */
  strict?: boolean;
}

/** PyTorch's BatchNorm adds this int64 counter to its state dict; with momentum 0.1 it changes nothing. */
const IGNORED_SUFFIX = '.num_batches_tracked';

const sameShape = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((n, i) => n === b[i]);

export abstract class Layer<B extends CoreOps = CoreOps> {
  readonly backend: B;
  #training = true;
  #disposed = false;
  readonly #params = new Map<string, Tensor>();
  readonly #buffers = new Map<string, Tensor>();
  readonly #grads = new Map<string, Tensor>();
  /** Every name in registration order (= PyTorch's state_dict order when registered like the module). */
  readonly #order: string[] = [];
  /** The `state` record, built on first use after the last registration. */
  #stateRecord: Readonly<Record<string, Tensor>> | null = null;

  constructor(backend: B) {
    this.backend = backend;
  }

  /** The layer's name in messages, e.g. 'DCDConv2d(16→32)'. */
  abstract get label(): string;

  /** y for input x. In training mode, keeps what backward needs (and updates running statistics). */
  abstract forward(x: Tensor): Tensor;

  /** dL/dx for upstream gradient dy of the LAST forward; parameter gradients are then in grads(). */
  abstract backward(dy: Tensor): Tensor;

  get training(): boolean {
    return this.#training;
  }

  /** Training mode (default): batch statistics in BatchNorm, running statistics updated. */
  train(mode = true): this {
    this.#training = mode;
    return this;
  }

  /** Inference mode: running statistics, nothing updated. */
  eval(): this {
    return this.train(false);
  }

  // ------------------------------------------------------------ tensors by name

  protected addParameter(name: string, shape: readonly number[], init: Float32Array): Tensor {
    return this.#add(this.#params, name, shape, init);
  }

  protected addBuffer(name: string, shape: readonly number[], init: Float32Array): Tensor {
    return this.#add(this.#buffers, name, shape, init);
  }

  #add(into: Map<string, Tensor>, name: string, shape: readonly number[], init: Float32Array): Tensor {
    if (this.#params.has(name) || this.#buffers.has(name)) throw new Error(`${this.label}: tensor '${name}' registered twice`);
    const t = this.backend.tensor(init, shape);
    into.set(name, t);
    this.#order.push(name);
    this.#stateRecord = null;
    return t;
  }

  /**
   * Parameters and buffers by state_dict name (live tensors; don't dispose them). Built once and
   * frozen (tensors are only registered in constructors, loadStateDict copies into them): a forward
   * reads it on every call, and a frozen record lets the ops skip re-validating it (ops/dcd.ts).
   */
  protected get state(): Readonly<Record<string, Tensor>> {
    this.#checkAlive();
    return this.#stateRecord ??= Object.freeze(Object.fromEntries(this.#named()));
  }

  /** [name, tensor] of parameters and buffers in registration order. */
  #named(): [string, Tensor][] {
    return this.#order.map((name) => [name, (this.#params.get(name) ?? this.#buffers.get(name)) as Tensor]);
  }

  /** [name, tensor] of every parameter, in state_dict order (live tensors). */
  namedParameters(): [string, Tensor][] {
    this.#checkAlive();
    return [...this.#params];
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** [name, tensor] of every buffer (e.g. BatchNorm running statistics). */
  namedBuffers(): [string, Tensor][] {
    this.#checkAlive();
    return [...this.#buffers];
  }

  // ------------------------------------------------------------ gradients

  /** Gradient of parameter `name` from the last backward, or undefined before any backward. */
  grad(name: string): Tensor | undefined {
    return this.#grads.get(name);
  }

  /** Every gradient of the last backward, by parameter name. */
  grads(): Record<string, Tensor> {
    return Object.fromEntries(this.#grads);
  }

  /** Replaces the stored gradients (the previous ones are disposed). Keys must be parameter names. */
  protected setGrads(grads: Record<string, Tensor>): void {
    this.zeroGrad();
    for (const [name, g] of Object.entries(grads)) {
      const p = this.#params.get(name);
      if (p === undefined || !sameShape(p.shape, g.shape)) {
        throw new Error(`${this.label}: gradient '${name}' ${fmtShape(g.shape)} matches no parameter`);
      }
      this.#grads.set(name, g);
    }
  }

  /** Disposes the stored gradients. */
  zeroGrad(): void {
    for (const g of this.#grads.values()) g.dispose();
    this.#grads.clear();
  }

  // ------------------------------------------------------------ state dict

  /** Copies of every parameter and buffer by PyTorch state_dict name. */
  stateDict(): Record<string, { shape: number[]; data: Float32Array }> {
    this.#checkAlive();
    const out: Record<string, { shape: number[]; data: Float32Array }> = {};
    for (const [name, t] of this.#named()) out[name] = { shape: [...t.shape], data: t.toFloat32Array() };
    return out;
  }

  /**
   * Copies tensors into the layer by name. Everything is checked before anything is written, so a
   * rejected state dict leaves the layer unchanged. `*.num_batches_tracked` entries are ignored.
   */
  loadStateDict(stateDict: StateDict, options: LoadStateDictOptions = {}): this {
    this.#checkAlive();
    if (stateDict === null || typeof stateDict !== 'object') {
      throw new StateDictError(`${this.label}.loadStateDict: expected an object of named tensors, got ${String(stateDict)}`);
    }
    const strict = options.strict ?? true;
    const own = new Map(this.#named());
    for (const [name, t] of own) {
      if (!(name in stateDict)) {
        throw new StateDictError(`${this.label}.loadStateDict: missing tensor '${name}' (shape ${fmtShape(t.shape)})`);
      }
      const entry = stateDict[name];
      const shape = entry?.shape, data = entry?.data;
      if (!Array.isArray(shape) || !(data instanceof Float32Array || Array.isArray(data))) {
        throw new StateDictError(`${this.label}.loadStateDict: '${name}' must be a tensor ({ shape, data }), got ${String(entry)}`);
      }
      if (!sameShape(shape, t.shape)) {
        throw new StateDictError(
          `${this.label}.loadStateDict: '${name}' must have shape ${fmtShape(t.shape)}, got ${fmtShape(shape)}`);
      }
      if (data.length !== t.size) {
        throw new StateDictError(`${this.label}.loadStateDict: '${name}' has ${data.length} values for shape ${fmtShape(shape)}`);
      }
    }
    if (strict) {
      const extra = Object.keys(stateDict).find((name) => !own.has(name) && !name.endsWith(IGNORED_SUFFIX));
      if (extra !== undefined) {
        throw new StateDictError(`${this.label}.loadStateDict: unexpected tensor '${extra}' (the layer has: ${[...own.keys()].join(', ')})`);
      }
    }
    for (const [name, t] of own) t.data.set(stateDict[name].data);
    return this;
  }

  // ------------------------------------------------------------ lifetime

  get isDisposed(): boolean {
    return this.#disposed;
  }

  /** Frees every tensor the layer owns (parameters, buffers, gradients, cached activations). */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.releaseCache();
    this.zeroGrad();
    for (const t of [...this.#params.values(), ...this.#buffers.values()]) t.dispose();
  }

  /** Subclasses free what forward kept for backward. Called by dispose(). */
  protected releaseCache(): void {}

  #checkAlive(): void {
    if (this.#disposed) throw new DisposedTensorError(`${this.label} was used after dispose()`);
  }

  /** Throws unless the layer is alive; subclasses call it at the start of forward/backward. */
  protected checkAlive(): void {
    this.#checkAlive();
  }
}
