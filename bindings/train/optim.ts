/**
 * Optimisers over ParameterEntry lists (types.ts), as torch.optim.SGD and torch.optim.AdamW
 * (PyTorch 1.13, foreach=False): each step is one wasm kernel pass per parameter tensor
 * (OptimOps), in place. Parameters without a gradient are skipped, as PyTorch skips `grad is None`.
 *
 *   const opt = new SGD(m, model.parameterEntries(), { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-4 });
 *   opt.zeroGrad(); model.backward(…); clipGradNorm(m, entries, 5); opt.step();
 *
 * stateDict() gives plain data (PyTorch's per-parameter state names: momentum_buffer, exp_avg, …)
 * for checkpoints; loadStateDict() restores it, so a resumed run continues bit-identically.
 */
import type { CoreOps } from '../backend';
import { NonFiniteError, OptionError, StateDictError } from '../errors';
import { describe, expectOptions, fmtShape } from '../ops/checks';
import { trainingOps } from './kernels';
import type { Tensor } from '../tensor';
import type { ParameterEntry, PlainTensor } from './types';

/** What an optimiser needs of a backend: tensor creation and the optimiser ops. */
export type OptimBackend = CoreOps;

/** Per-parameter state: PyTorch's names → tensors, plus the AdamW step count. */
interface ParamState {
  step: number;
  tensors: Map<string, Tensor>;
}

/** An optimiser's state as plain data (no backend): what stateDict() returns and loadStateDict() takes. */
export interface OptimizerStateDict {
  /** Which optimiser saved it; loadStateDict rejects another type. */
  type: 'SGD' | 'AdamW';
  /** The hyper-parameters (lr included: a schedule may have changed it). */
  hyper: Record<string, number | boolean>;
  /** Optimiser steps taken. */
  steps: number;
  /** By parameter name; parameters that never had a gradient have no entry. */
  state: Record<string, {
    /** Updates of this parameter so far (AdamW's bias-correction step count). */
    step: number;
    /** State tensors by PyTorch's name: momentum_buffer (SGD); exp_avg, exp_avg_sq, max_exp_avg_sq (AdamW). */
    tensors: Record<string, PlainTensor>;
  }>;
}

export interface CommonOptimizerOptions {
  /** Check every gradient is finite before updating anything (NonFiniteError naming it); off by default (one extra pass). */
  checkFinite?: boolean;
}

function expectNumber(value: unknown, op: string, name: string, fallback: number, min: number, maxExclusive = Infinity): number {
  const v = value === undefined ? fallback : value;
  if (typeof v !== 'number' || Number.isNaN(v)) {
    throw new OptionError(`${op}: ${name} must be a number, got ${describe(v)}`);
  }
  if (!(v >= min && v < maxExclusive) || !Number.isFinite(v)) {
    const range = maxExclusive === Infinity ? `>= ${min}` : `in [${min}, ${maxExclusive})`;
    throw new OptionError(`${op}: ${name} must be a finite number ${range}, got ${v}`);
  }
  return v;
}

function expectEntries(entries: unknown, op: string): ParameterEntry[] {
  if (!Array.isArray(entries)) throw new OptionError(`${op}: entries must be an array of ParameterEntry, got ${describe(entries)}`);
  const seen = new Set<string>();
  entries.forEach((e: unknown, i) => {
    const entry = e as Partial<ParameterEntry> | null;
    if (!entry || typeof entry.name !== 'string' || typeof entry.value !== 'object' || entry.value === null) {
      throw new OptionError(`${op}: entries[${i}] must be a ParameterEntry { name, value, grad }, got ${describe(e)}`);
    }
    if (seen.has(entry.name)) throw new OptionError(`${op}: entries[${i}] repeats the parameter name '${entry.name}'`);
    seen.add(entry.name);
  });
  return entries as ParameterEntry[];
}

/** Base class of SGD and AdamW: parameter entries, learning rate, step count, state dict and dispose. */
export abstract class Optimizer {
  /** The backend the parameters and the optimiser state live on. */
  readonly backend: OptimBackend;
  /** The parameters this optimiser updates (frozen copy of the list given to the constructor). */
  readonly entries: readonly ParameterEntry[];
  /** Whether step() first checks every gradient is finite (NonFiniteError otherwise; nothing is updated then). */
  readonly checkFinite: boolean;
  /** Per-parameter state tensors by parameter name, created on a parameter's first update. */
  protected readonly state = new Map<string, ParamState>();
  #lr = 0;
  #steps = 0;
  #disposed = false;

  protected constructor(backend: OptimBackend, entries: unknown, lr: number, checkFinite: boolean, op: string) {
    this.backend = backend;
    this.entries = Object.freeze(expectEntries(entries, op).slice());
    this.checkFinite = checkFinite;
    this.lr = lr;
  }

  /** Which optimiser this is. */
  abstract get type(): 'SGD' | 'AdamW';
  /** The hyper-parameters as saved in a state dict (lr included). */
  protected abstract hyper(): Record<string, number | boolean>;
  /** Restores hyper-parameters from a state dict; keys it does not know are ignored. */
  protected abstract setHyper(hyper: Record<string, number | boolean>): void;
  /** The state tensor names a parameter has (PyTorch's names). */
  protected abstract stateNames(): string[];
  /** Updates one parameter in place given its gradient, creating its state on first use. */
  protected abstract update(entry: ParameterEntry, grad: Tensor): void;

  /** Learning rate for the next step. */
  get lr(): number {
    return this.#lr;
  }

  /** Learning rate for the next step (schedules set it); OptionError when negative, NaN or infinite. */
  set lr(value: number) {
    if (typeof value !== 'number' || Number.isNaN(value)) {
      throw new OptionError(`${this.type}: lr must be a number, got ${describe(value)}`);
    }
    if (!(value >= 0) || !Number.isFinite(value)) {
      throw new OptionError(`${this.type}: lr must be a finite number >= 0, got ${value}`);
    }
    this.#lr = value;
  }

  /** Optimiser steps taken so far. */
  get steps(): number {
    return this.#steps;
  }

  /** One update of every parameter that has a gradient. */
  step(): void {
    this.#live();
    const withGrad = this.entries.filter((e) => e.grad !== null);
    if (this.checkFinite) {
      for (const e of withGrad) {
        if (!Number.isFinite(trainingOps(e.grad).sumSquares(e.grad as Tensor))) {
          throw new NonFiniteError(`${this.type}.step: the gradient of '${e.name}' holds NaN or infinity (nothing was updated)`);
        }
      }
    }
    for (const e of withGrad) {
      const grad = e.grad as Tensor;
      if (grad.shape.length !== e.value.shape.length || grad.shape.some((d, i) => d !== e.value.shape[i])) {
        throw new OptionError(`${this.type}.step: the gradient of '${e.name}' has shape ${fmtShape(grad.shape)}, ` +
          `the parameter ${fmtShape(e.value.shape)}`);
      }
    }
    for (const e of withGrad) this.update(e, e.grad as Tensor);
    this.#steps++;
  }

  /** Drops every gradient (disposes it; the entry's grad becomes null, as set_to_none=True). */
  zeroGrad(): void {
    for (const e of this.entries) {
      e.grad?.dispose();
      e.grad = null;
    }
  }

  /** The optimiser state as plain data (copies): type, hyper-parameters, steps and per-parameter tensors. OptionError after dispose(). */
  stateDict(): OptimizerStateDict {
    this.#live();
    const state: OptimizerStateDict['state'] = {};
    for (const [name, s] of this.state) {
      const tensors: Record<string, PlainTensor> = {};
      for (const [key, t] of s.tensors) tensors[key] = { shape: [...t.shape], data: t.toFloat32Array() };
      state[name] = { step: s.step, tensors };
    }
    return { type: this.type, hyper: this.hyper(), steps: this.#steps, state };
  }

  /** Restores stateDict() output (StateDictError naming what does not fit; nothing changes then). */
  loadStateDict(dict: OptimizerStateDict): void {
    this.#live();
    const op = `${this.type}.loadStateDict`;
    if (!dict || typeof dict !== 'object' || dict.type !== this.type) {
      throw new StateDictError(`${op}: expected a ${this.type} state dict, got ${describe((dict as { type?: unknown } | null)?.type ?? dict)}`);
    }
    const byName = new Map(this.entries.map((e) => [e.name, e]));
    const names = this.stateNames();
    for (const [name, s] of Object.entries(dict.state ?? {})) {
      const entry = byName.get(name);
      if (!entry) throw new StateDictError(`${op}: state for '${name}', which is not one of the optimiser's parameters`);
      for (const key of names) {
        const t = s.tensors?.[key];
        if (!t) throw new StateDictError(`${op}: '${name}' is missing its '${key}' tensor`);
        const size = t.shape.reduce((a, b) => a * b, 1);
        if (fmtShape(t.shape) !== fmtShape(entry.value.shape) || t.data?.length !== size) {
          throw new StateDictError(`${op}: '${name}.${key}' has shape ${fmtShape(t.shape)} (${t.data?.length} values), ` +
            `the parameter ${fmtShape(entry.value.shape)}`);
        }
      }
      for (const key of Object.keys(s.tensors ?? {})) {
        if (!names.includes(key)) throw new StateDictError(`${op}: '${name}' has an unexpected '${key}' tensor`);
      }
    }
    this.setHyper(dict.hyper ?? {});
    this.#clearState();
    for (const [name, s] of Object.entries(dict.state ?? {})) {
      const tensors = new Map<string, Tensor>();
      for (const key of names) tensors.set(key, this.backend.keep(this.backend.tensor(s.tensors[key].data, s.tensors[key].shape)));
      this.state.set(name, { step: s.step, tensors });
    }
    this.#steps = dict.steps ?? 0;
  }

  /** Frees the optimiser state (the parameters and gradients stay). */
  dispose(): void {
    this.#clearState();
    this.#disposed = true;
  }

  #clearState(): void {
    for (const s of this.state.values()) for (const t of s.tensors.values()) t.dispose();
    this.state.clear();
  }

  #live(): void {
    if (this.#disposed) throw new OptionError(`${this.type}: used after dispose()`);
  }
}

/** Options of SGD, as torch.optim.SGD's (lr required). */
export interface SGDOptions extends CommonOptimizerOptions {
  /** Learning rate, finite and ≥ 0 (required). */
  lr: number;
  /** Momentum factor, ≥ 0 (default 0: plain SGD, no state). */
  momentum?: number;
  /** Dampening for momentum (default 0). */
  dampening?: number;
  /** Nesterov momentum (default false; needs momentum > 0 and dampening 0). */
  nesterov?: boolean;
  /** L2 penalty added to the gradient, ≥ 0 (default 0). */
  weightDecay?: number;
}

/** torch.optim.SGD: momentum (buffer = gradient on its first step), dampening, Nesterov, L2 weight decay. */
export class SGD extends Optimizer {
  /** Momentum factor (0: plain SGD). */
  momentum: number;
  /** Dampening for momentum. */
  dampening: number;
  /** Whether Nesterov momentum is used. */
  nesterov: boolean;
  /** L2 penalty added to the gradient. */
  weightDecay: number;

  constructor(backend: OptimBackend, entries: readonly ParameterEntry[], options: SGDOptions) {
    const op = 'SGD';
    const o = expectOptions<SGDOptions>(options, op, ['lr', 'momentum', 'dampening', 'nesterov', 'weightDecay', 'checkFinite']);
    if (o.lr === undefined) throw new OptionError(`${op}: lr is required`);
    super(backend, entries, o.lr, o.checkFinite === true, op);
    this.momentum = expectNumber(o.momentum, op, 'momentum', 0, 0);
    this.dampening = expectNumber(o.dampening, op, 'dampening', 0, -Infinity);
    this.weightDecay = expectNumber(o.weightDecay, op, 'weightDecay', 0, 0);
    this.nesterov = o.nesterov ?? false;
    if (typeof this.nesterov !== 'boolean') throw new OptionError(`${op}: nesterov must be a boolean, got ${describe(this.nesterov)}`);
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw new OptionError(`${op}: Nesterov momentum requires momentum > 0 and dampening 0 ` +
        `(got momentum ${this.momentum}, dampening ${this.dampening})`);
    }
  }

  /** Always 'SGD'. */
  get type(): 'SGD' { return 'SGD'; }

  /** @hidden */
  protected hyper() {
    return { lr: this.lr, momentum: this.momentum, dampening: this.dampening, nesterov: this.nesterov, weightDecay: this.weightDecay };
  }

  protected setHyper(h: Record<string, number | boolean>): void {
    if (typeof h.lr === 'number') this.lr = h.lr;
    if (typeof h.momentum === 'number') this.momentum = h.momentum;
    if (typeof h.dampening === 'number') this.dampening = h.dampening;
    if (typeof h.nesterov === 'boolean') this.nesterov = h.nesterov;
    if (typeof h.weightDecay === 'number') this.weightDecay = h.weightDecay;
  }

  protected stateNames(): string[] {
    return this.momentum !== 0 ? ['momentum_buffer'] : [];
  }

  protected update(entry: ParameterEntry, grad: Tensor): void {
    let buffer: Tensor | null = null;
    let firstStep = false;
    if (this.momentum !== 0) {
      let s = this.state.get(entry.name);
      if (!s) {
        s = { step: 0, tensors: new Map([['momentum_buffer', this.backend.keep(this.backend.zeros(entry.value.shape))]]) };
        this.state.set(entry.name, s);
        firstStep = true;
      }
      s.step++;
      buffer = s.tensors.get('momentum_buffer') as Tensor;
    }
    trainingOps(entry.value).sgdStep(entry.value, grad, buffer, {
      lr: this.lr, momentum: this.momentum, dampening: this.dampening, nesterov: this.nesterov,
      weightDecay: this.weightDecay, firstStep,
    });
  }
}

/** Options of AdamW, as torch.optim.AdamW's; every field is optional. */
export interface AdamWOptions extends CommonOptimizerOptions {
  /** Default 1e-3. */
  lr?: number;
  /** Default [0.9, 0.999]. */
  betas?: readonly [number, number];
  /** Default 1e-8. */
  eps?: number;
  /** Decoupled weight decay, default 1e-2. */
  weightDecay?: number;
  /** Use the running maximum of the second moment (default false). */
  amsgrad?: boolean;
}

/** torch.optim.AdamW: decoupled weight decay, bias-corrected moments, optional amsgrad. */
export class AdamW extends Optimizer {
  /** Decay rate of the first-moment average, in [0, 1) (default 0.9). */
  beta1: number;
  /** Decay rate of the second-moment average, in [0, 1) (default 0.999). */
  beta2: number;
  /** Added to the denominator for numerical stability. */
  eps: number;
  /** Decoupled weight decay: param ← param·(1 − lr·weightDecay) before the Adam step. */
  weightDecay: number;
  /** Whether the running maximum of the second moment is used; fixed at construction. */
  readonly amsgrad: boolean;

  constructor(backend: OptimBackend, entries: readonly ParameterEntry[], options: AdamWOptions = {}) {
    const op = 'AdamW';
    const o = expectOptions<AdamWOptions>(options, op, ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad', 'checkFinite']);
    super(backend, entries, o.lr ?? 1e-3, o.checkFinite === true, op);
    const betas = o.betas ?? [0.9, 0.999];
    if (!Array.isArray(betas) || betas.length !== 2) throw new OptionError(`${op}: betas must be [beta1, beta2], got ${describe(betas)}`);
    this.beta1 = expectNumber(betas[0], op, 'betas[0]', 0.9, 0, 1);
    this.beta2 = expectNumber(betas[1], op, 'betas[1]', 0.999, 0, 1);
    this.eps = expectNumber(o.eps, op, 'eps', 1e-8, 0);
    this.weightDecay = expectNumber(o.weightDecay, op, 'weightDecay', 1e-2, 0);
    this.amsgrad = o.amsgrad ?? false;
    if (typeof this.amsgrad !== 'boolean') throw new OptionError(`${op}: amsgrad must be a boolean, got ${describe(this.amsgrad)}`);
  }

  /** Always 'AdamW'. */
  get type(): 'AdamW' { return 'AdamW'; }

  /** @hidden */
  protected hyper() {
    return { lr: this.lr, beta1: this.beta1, beta2: this.beta2, eps: this.eps, weightDecay: this.weightDecay, amsgrad: this.amsgrad };
  }

  protected setHyper(h: Record<string, number | boolean>): void {
    if (typeof h.amsgrad === 'boolean' && h.amsgrad !== this.amsgrad) {
      throw new StateDictError(`AdamW.loadStateDict: the state was saved with amsgrad ${h.amsgrad}, this optimiser has ${this.amsgrad}`);
    }
    if (typeof h.lr === 'number') this.lr = h.lr;
    if (typeof h.beta1 === 'number') this.beta1 = h.beta1;
    if (typeof h.beta2 === 'number') this.beta2 = h.beta2;
    if (typeof h.eps === 'number') this.eps = h.eps;
    if (typeof h.weightDecay === 'number') this.weightDecay = h.weightDecay;
  }

  protected stateNames(): string[] {
    return this.amsgrad ? ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'] : ['exp_avg', 'exp_avg_sq'];
  }

  protected update(entry: ParameterEntry, grad: Tensor): void {
    let s = this.state.get(entry.name);
    if (!s) {
      s = { step: 0, tensors: new Map(this.stateNames().map((k) => [k, this.backend.keep(this.backend.zeros(entry.value.shape))])) };
      this.state.set(entry.name, s);
    }
    s.step++;
    trainingOps(entry.value).adamwStep(entry.value, grad, s.tensors.get('exp_avg') as Tensor, s.tensors.get('exp_avg_sq') as Tensor,
      s.tensors.get('max_exp_avg_sq') ?? null, {
        lr: this.lr, beta1: this.beta1, beta2: this.beta2, eps: this.eps, weightDecay: this.weightDecay, step: s.step,
      });
  }
}

/** Options of clipGradNorm. */
export interface ClipGradNormOptions {
  /** Throw NonFiniteError when the total norm is NaN or infinite (as error_if_nonfinite=True). */
  errorIfNonfinite?: boolean;
}

/**
 * torch.nn.utils.clip_grad_norm_ (L2): total = ‖(‖g_1‖, …, ‖g_k‖)‖ over the entries that have a
 * gradient; when maxNorm / (total + 1e-6) < 1 every gradient is scaled by it in place. Returns total.
 */
export function clipGradNorm(backend: OptimBackend, entries: readonly ParameterEntry[], maxNorm: number,
  options: ClipGradNormOptions = {}): number {
  const op = 'clipGradNorm';
  const list = expectEntries(entries, op);
  const limit = expectNumber(maxNorm, op, 'maxNorm', 0, 0);
  const o = expectOptions<ClipGradNormOptions>(options, op, ['errorIfNonfinite']);
  const grads = list.map((e) => e.grad).filter((g): g is Tensor => g !== null);
  if (grads.length === 0) return 0;
  let sum = 0;
  // per-tensor norms in float32, then the norm of those, as PyTorch stacks the per-tensor norms
  for (const g of grads) sum += Math.fround(Math.sqrt(trainingOps(g, 'clipGradNorm', 'grad').sumSquares(g))) ** 2;
  const total = Math.fround(Math.sqrt(sum));
  if (!Number.isFinite(total)) {
    if (o.errorIfNonfinite) throw new NonFiniteError(`${op}: the total gradient norm is ${total}`);
    return total;
  }
  const coef = Math.fround(Math.fround(limit) / Math.fround(total + 1e-6));
  if (coef < 1) for (const g of grads) trainingOps(g, 'clipGradNorm', 'grad').scaleInPlace(g, coef);
  return total;
}
