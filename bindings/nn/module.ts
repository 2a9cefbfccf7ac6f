/**
 * Module: the node of the module tree, shaped like torch.nn.Module so that dotted names ARE the
 * PyTorch state dict (`layer1.0.conv1.q.weight`, `features.3.conv.0.fc_phi.weight`, …).
 *
 * A module owns its parameters (which get gradients), its buffers (e.g. BatchNorm running statistics)
 * and its children, in registration order — PyTorch's state_dict order: a module's own parameters,
 * then its own buffers, then each child's entries under `child.`. A leaf may register dotted names of
 * its own (the DCD layers hold `fc.1.fc.0.weight` directly): the name is what counts.
 *
 * Forward/backward contract (every module):
 * - `forward(x)` returns a new tensor the caller owns. In training mode a module remembers what its
 *   backward needs; it keeps REFERENCES to its input (and sometimes its output), not copies, so the
 *   caller keeps x and y alive until `backward` — as an autograd tape does. Containers own the
 *   activations between their children and free them after backward (or at once in eval mode).
 * - `backward(dy)` returns dL/dx (a new tensor the caller owns; dy stays the caller's) and ADDS each
 *   parameter's gradient into its `grad` (PyTorch semantics: gradients accumulate until `zeroGrad()`).
 *   One backward per forward.
 * - Parameters, buffers and gradients belong to the module, never to a `scope()`: a module built or
 *   trained inside `m.scope()` keeps them. `dispose()` frees everything the module tree owns.
 */
import type { CoreOps } from '../backend';
import { DisposedTensorError, OptionError, StateDictError } from '../errors';
import { describe, fmtShape } from '../ops/checks';
import type { NnOps } from '../ops/nn';
import type { Tensor } from '../tensor';

/** A tensor as a state dict holds it: a Tensor of any backend, or plain { shape, data }. */
export interface StateTensor {
  /** Dimensions. */
  readonly shape: readonly number[];
  /** The values, row-major (length = product of shape). */
  readonly data: Float32Array | readonly number[];
}
/** Tensors by dotted PyTorch state_dict name, as stateDict() returns and loadStateDict() takes. */
export type StateDict = Record<string, StateTensor>;

/** Options of Module.loadStateDict. */
export interface LoadStateDictOptions {
  /** true (default): missing or unexpected keys are errors (as PyTorch's strict=True); false: both are ignored. */
  strict?: boolean;
}

/** What loadStateDict found wrong, all at once (PyTorch reports missing and unexpected keys together). */
export interface StateDictProblems {
  /** Names the module has but the state dict lacks. */
  missing: string[];
  /** Names in the state dict the module does not have. */
  unexpected: string[];
  /** `name: expected [..], got [..]` (or a malformed entry). */
  mismatched: string[];
}

/**
 * One parameter with its accumulated gradient: what optimisers (bindings/train/) work on. Live:
 * `grad` is the gradient accumulated over backward calls since the last zeroGrad() (as PyTorch's
 * `.grad`), null before any backward or after zeroGrad().
 */
export interface ParameterEntry {
  /** The PyTorch state_dict name, e.g. 'blocks.0.conv1.weight'. */
  readonly name: string;
  /** The parameter itself; optimisers update it in place. */
  readonly value: Tensor;
  /** Gradient accumulated since the last zeroGrad(), or null when there is none. */
  grad: Tensor | null;
}

/** The backend surface every module may use: tensors, scopes and the in-place accumulate. */
export type ModuleBackend = CoreOps & Pick<NnOps, 'axpby'>;

/** PyTorch's BatchNorm adds this int64 counter to its state dict; loading ignores it. */
const IGNORED_SUFFIX = 'num_batches_tracked';

const sameShape = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((n, i) => n === b[i]);

const LOAD_OPTIONS = ['strict'];

class Slot implements ParameterEntry {
  grad: Tensor | null = null;
  constructor(readonly name: string, readonly value: Tensor) {}
}

export abstract class Module<B extends ModuleBackend = ModuleBackend> {
  /** The backend (from init()) every tensor of this module lives on. */
  readonly backend: B;
  #training = true;
  #disposed = false;
  readonly #params = new Map<string, Slot>();
  readonly #buffers = new Map<string, Tensor>();
  readonly #children = new Map<string, Module>();
  /** Parameter and buffer names in registration order (= state_dict order: a leaf may register
   *  `bn1.weight, bn1.bias, bn1.running_mean, …` and PyTorch keeps each child's entries together). */
  readonly #order: string[] = [];
  /** The `state` record (own parameters and buffers by local name), built on first use. */
  #stateRecord: Readonly<Record<string, Tensor>> | null = null;

  constructor(backend: B) {
    if (backend === null || typeof backend !== 'object' || typeof (backend as Partial<CoreOps>).tensor !== 'function') {
      throw new OptionError(`${new.target.name}: the first argument must be the object init() returned, got ${describe(backend)}`);
    }
    this.backend = backend;
  }

  /** The module's name in messages, e.g. 'Conv2d(3→64, 7×7)'. */
  get label(): string {
    return this.constructor.name;
  }

  /** y for input x (see the class comment for what training mode keeps). */
  abstract forward(x: Tensor): Tensor;

  /** dL/dx for the upstream gradient dy of the LAST forward; parameter gradients accumulate into `grad`. */
  abstract backward(dy: Tensor): Tensor;

  // ------------------------------------------------------------ mode

  /** True in training mode (the default), false after eval(). */
  get training(): boolean {
    return this.#training;
  }

  /** Training mode (default) for this module and every descendant. */
  train(mode = true): this {
    if (typeof mode !== 'boolean') throw new OptionError(`${this.label}.train: mode must be a boolean, got ${describe(mode)}`);
    this.#training = mode;
    for (const child of this.#children.values()) child.train(mode);
    return this;
  }

  /** Inference mode for this module and every descendant: running statistics, nothing updated. */
  eval(): this {
    return this.train(false);
  }

  // ------------------------------------------------------------ registration (constructors only)

  /** Constructors only: adds a child module under `name` (its state_dict prefix) in this module's mode; returns it. Throws when the name is taken, OptionError when `module` is not a Module. */
  protected registerModule<M extends Module>(name: string, module: M): M {
    this.#checkNewName(name);
    if (!(module instanceof Module)) throw new OptionError(`${this.label}: child '${name}' is not a Module`);
    this.#children.set(name, module);
    module.train(this.#training);
    return module;
  }

  /** Constructors only: creates a trainable tensor `name` of `shape` holding a copy of `init`; returns it. */
  protected registerParameter(name: string, shape: readonly number[], init: Float32Array): Tensor {
    this.#checkNewName(name);
    const t = this.#newTensor(init, shape);
    this.#params.set(name, new Slot(name, t));
    this.#order.push(name);
    this.#stateRecord = null;
    return t;
  }

  /** Constructors only: creates a non-trainable state tensor `name` (e.g. a running statistic) of `shape` holding a copy of `init`; returns it. */
  protected registerBuffer(name: string, shape: readonly number[], init: Float32Array): Tensor {
    this.#checkNewName(name);
    const t = this.#newTensor(init, shape);
    this.#buffers.set(name, t);
    this.#order.push(name);
    this.#stateRecord = null;
    return t;
  }

  #checkNewName(name: string): void {
    if (this.#params.has(name) || this.#buffers.has(name) || this.#children.has(name)) {
      throw new Error(`${this.label}: '${name}' registered twice`);
    }
  }

  /** A tensor that no scope() collects: it belongs to the module until dispose(). */
  #newTensor(init: Float32Array, shape: readonly number[]): Tensor {
    const t = this.backend.tensor(init, shape);
    this.backend.keep(t);
    return t;
  }

  /**
   * Runs a constructor body; if it throws (e.g. OutOfMemoryError at the tenth tensor), everything the
   * module registered so far is freed before the error propagates.
   */
  protected building<T>(body: () => T, alsoOnError: readonly ({ dispose(): void } | null)[] = []): T {
    try {
      return body();
    } catch (e) {
      this.dispose();
      for (const d of alsoOnError) d?.dispose();
      throw e;
    }
  }

  /**
   * This module's own parameters and buffers by local name (live tensors; don't dispose them).
   * Built once and frozen: ops that take a state record (DCD) skip re-validating a frozen one.
   */
  protected get state(): Readonly<Record<string, Tensor>> {
    this.checkAlive();
    if (this.#stateRecord === null) {
      this.#stateRecord = Object.freeze(Object.fromEntries(this.#ownState()));
    }
    return this.#stateRecord;
  }

  // ------------------------------------------------------------ the tree

  /** [name, child] of the direct children, in registration order. */
  children(): [string, Module][] {
    return [...this.#children];
  }

  /** A child by name (undefined if none). */
  child(name: string): Module | undefined {
    return this.#children.get(name);
  }

  /** [dotted name, module] of this module ('') and every descendant, depth first. */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.#children) out.push(...child.namedModules(prefix ? `${prefix}.${name}` : name));
    return out;
  }

  /** The descendant at a dotted path ('layer1.0.conv1'); undefined if none. */
  module(path: string): Module | undefined {
    let m: Module | undefined = this;
    for (const part of path === '' ? [] : path.split('.')) m = m?.child(part);
    return m;
  }

  /** Every parameter with its gradient, by dotted name, in state_dict order (live objects). */
  parameterEntries(): ParameterEntry[] {
    this.checkAlive();
    const out: ParameterEntry[] = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, slot] of m.#params) {
        out.push(prefix ? { name: `${prefix}.${name}`, value: slot.value, get grad() { return slot.grad; }, set grad(g) { slot.grad = g; } } : slot);
      }
    }
    return out;
  }

  /** [dotted name, tensor] of every parameter, in state_dict order (live tensors; don't dispose them). */
  namedParameters(): [string, Tensor][] {
    return this.parameterEntries().map((e) => [e.name, e.value]);
  }

  /** Every parameter tensor, in state_dict order (live tensors; don't dispose them). */
  parameters(): Tensor[] {
    return this.parameterEntries().map((e) => e.value);
  }

  /** [dotted name, tensor] of every buffer (e.g. BatchNorm running statistics). */
  namedBuffers(): [string, Tensor][] {
    this.checkAlive();
    const out: [string, Tensor][] = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, t] of m.#buffers) out.push([prefix ? `${prefix}.${name}` : name, t]);
    }
    return out;
  }

  /** Number of parameter values (as `sum(p.numel() for p in model.parameters())`). */
  numParameters(): number {
    return this.parameters().reduce((n, t) => n + t.size, 0);
  }

  /** [dotted name, tensor] of parameters and buffers in PyTorch's state_dict order. */
  namedState(): [string, Tensor][] {
    this.checkAlive();
    const out: [string, Tensor][] = [];
    this.#collectState('', out);
    return out;
  }

  #collectState(prefix: string, out: [string, Tensor][]): void {
    const full = (name: string) => (prefix ? `${prefix}.${name}` : name);
    for (const [name, t] of this.#ownState()) out.push([full(name), t]);
    for (const [name, child] of this.#children) child.#collectState(full(name), out);
  }

  /** [local name, tensor] of this module's own parameters and buffers, in registration order. */
  #ownState(): [string, Tensor][] {
    return this.#order.map((name) => [name, this.#params.get(name)?.value ?? this.#buffers.get(name) as Tensor]);
  }

  // ------------------------------------------------------------ gradients

  /** Accumulated gradient of a parameter (dotted name), or undefined if none yet. */
  grad(name: string): Tensor | undefined {
    return this.parameterEntries().find((e) => e.name === name)?.grad ?? undefined;
  }

  /** Every accumulated gradient by dotted parameter name (parameters without one are left out). */
  grads(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const e of this.parameterEntries()) if (e.grad) out[e.name] = e.grad;
    return out;
  }

  /**
   * Adds gradients (by local parameter name) into the accumulated ones. Takes ownership of each `g`:
   * the first becomes the parameter's grad, later ones are added in and disposed.
   */
  protected accumulateGrads(grads: Record<string, Tensor>): void {
    for (const [name, g] of Object.entries(grads)) {
      const slot = this.#params.get(name);
      if (slot === undefined || !sameShape(slot.value.shape, g.shape)) {
        g.dispose();
        throw new Error(`${this.label}: gradient '${name}' ${fmtShape(g.shape)} matches no parameter`);
      }
      if (slot.grad === null || slot.grad.isDisposed) {
        this.backend.keep(g);
        slot.grad = g;
      } else {
        try {
          this.backend.axpby(1, g, 1, slot.grad);
        } finally {
          g.dispose();
        }
      }
    }
  }

  /** Frees every accumulated gradient of this module and its descendants. */
  zeroGrad(): void {
    for (const [, m] of this.namedModules()) {
      for (const slot of m.#params.values()) {
        slot.grad?.dispose();
        slot.grad = null;
      }
    }
  }

  // ------------------------------------------------------------ state dict

  /** Copies of every parameter and buffer by dotted PyTorch state_dict name. */
  stateDict(): Record<string, {
    /** Dimensions. */
    shape: number[];
    /** A copy of the values, row-major. */
    data: Float32Array;
  }> {
    const out: Record<string, { shape: number[]; data: Float32Array }> = {};
    for (const [name, t] of this.namedState()) out[name] = { shape: [...t.shape], data: t.toFloat32Array() };
    return out;
  }

  /**
   * Copies tensors into the module tree by dotted name. Everything is checked before anything is
   * written, and every problem is reported at once (missing, unexpected and mis-shaped keys, as
   * PyTorch's strict loading does); a rejected state dict leaves the module unchanged.
   * `*.num_batches_tracked` entries are ignored.
   */
  loadStateDict(stateDict: StateDict, options: LoadStateDictOptions = {}): this {
    const op = `${this.label}.loadStateDict`;
    if (stateDict === null || typeof stateDict !== 'object' || Array.isArray(stateDict)) {
      throw new StateDictError(`${op}: expected an object of named tensors, got ${describe(stateDict)}`);
    }
    if (options === null || typeof options !== 'object') throw new OptionError(`${op}: options must be an object, got ${describe(options)}`);
    const unknown = Object.keys(options).find((k) => !LOAD_OPTIONS.includes(k));
    if (unknown !== undefined) throw new OptionError(`${op}: unknown option '${unknown}' (expected one of: ${LOAD_OPTIONS.join(', ')})`);
    if (options.strict !== undefined && typeof options.strict !== 'boolean') {
      throw new OptionError(`${op}: strict must be a boolean, got ${describe(options.strict)}`);
    }
    const strict = options.strict ?? true;
    const own = this.namedState();
    const ownNames = new Set(own.map(([n]) => n));
    const problems: StateDictProblems = { missing: [], unexpected: [], mismatched: [] };
    const writes: [Tensor, Float32Array | readonly number[]][] = [];
    for (const [name, t] of own) {
      if (!Object.prototype.hasOwnProperty.call(stateDict, name)) {
        problems.missing.push(name);
        continue;
      }
      const bad = checkEntry(stateDict[name], t.shape);
      if (bad) problems.mismatched.push(`${name}: ${bad}`);
      else writes.push([t, stateDict[name].data]);
    }
    for (const name of Object.keys(stateDict)) {
      if (!ownNames.has(name) && name.split('.').at(-1) !== IGNORED_SUFFIX) problems.unexpected.push(name);
    }
    const fatal = problems.mismatched.length > 0 || (strict && (problems.missing.length > 0 || problems.unexpected.length > 0));
    if (fatal) throw new StateDictLoadError(op, problems, strict);
    for (const [t, data] of writes) t.data.set(data);
    return this;
  }

  // ------------------------------------------------------------ lifetime

  /** True once dispose() has run; forward/backward then throw DisposedTensorError. */
  get isDisposed(): boolean {
    return this.#disposed;
  }

  /** Frees every tensor the module tree owns (parameters, buffers, gradients, cached activations). */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.releaseCache();
    for (const slot of this.#params.values()) {
      slot.grad?.dispose();
      slot.value.dispose();
    }
    for (const t of this.#buffers.values()) t.dispose();
    for (const child of this.#children.values()) child.dispose();
  }

  /** Subclasses free what forward kept for backward. Called by dispose() and at each new forward. */
  protected releaseCache(): void {}

  /** Throws unless the module is alive; subclasses call it at the start of forward/backward. */
  protected checkAlive(): void {
    if (this.#disposed) throw new DisposedTensorError(`${this.label} was used after dispose()`);
  }
}

/** What is wrong with one state-dict entry for a tensor of `shape` (undefined when it fits). */
function checkEntry(entry: unknown, shape: readonly number[]): string | undefined {
  const e = entry as Partial<StateTensor> | null;
  if (e === null || typeof e !== 'object') return `expected a tensor ({ shape, data }), got ${describe(entry)}`;
  const s = e.shape, data = e.data;
  if (!Array.isArray(s) || !s.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    return `shape must be an array of non-negative integers, got ${describe(s)}`;
  }
  if (!sameShape(s, shape)) return `expected shape ${fmtShape(shape)}, got ${fmtShape(s)}`;
  const typed = data instanceof Float32Array || data instanceof Float64Array;
  if (!typed && !(Array.isArray(data) && data.every((v) => typeof v === 'number'))) {
    return `data must be a Float32Array, Float64Array or array of numbers, got ${describe(data)}`;
  }
  const size = shape.reduce((a, b) => a * b, 1);
  if ((data as ArrayLike<number>).length !== size) return `has ${(data as ArrayLike<number>).length} values for shape ${fmtShape(shape)}`;
  return undefined;
}

/** StateDictError with the problems as data (`missing`, `unexpected`, `mismatched`). */
export class StateDictLoadError extends StateDictError {
  /** Names the module has but the state dict lacks. */
  readonly missing: string[];
  /** Names in the state dict the module does not have. */
  readonly unexpected: string[];
  /** Entries whose shape or data does not fit: `name: expected [..], got [..]`. */
  readonly mismatched: string[];
  constructor(op: string, p: StateDictProblems, strict: boolean) {
    const lines: string[] = [];
    const list = (names: string[]) => (names.length > 8 ? `${names.slice(0, 8).join(', ')}, … (${names.length} in all)` : names.join(', '));
    if (p.mismatched.length) lines.push(`size/format mismatch: ${list(p.mismatched)}`);
    if (strict && p.missing.length) lines.push(`missing keys: ${list(p.missing)}`);
    if (strict && p.unexpected.length) lines.push(`unexpected keys: ${list(p.unexpected)}`);
    super(`${op}: ${lines.join('; ')}`);
    this.missing = p.missing;
    this.unexpected = p.unexpected;
    this.mismatched = p.mismatched;
  }
}
