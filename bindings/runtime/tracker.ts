/**
 * Bookkeeping every backend needs for tensors: the live count and scope(). A backend creates its
 * tensors through `adopt()` so they are counted and belong to the innermost open scope.
 */
import { OptionError } from '../errors';
import { fmtShape } from '../ops/checks';
import { Tensor, type TensorStorage } from '../tensor';

export class TensorTracker {
  // A count, not a set of tensors: holding them would keep forgotten tensors from ever being
  // garbage-collected, and so from ever being reported (debug.leaks).
  #live = 0;
  #scopes: Set<Tensor>[] = [];
  readonly #leaks: FinalizationRegistry<string> | null;

  /** `onLeak`: called with a description of each tensor garbage-collected without dispose(). */
  constructor(onLeak: ((report: string) => void) | null = null) {
    this.#leaks = onLeak && typeof FinalizationRegistry === 'function'
      ? new FinalizationRegistry((what: string) => onLeak(`${what} was garbage-collected without dispose(); ` +
        'its memory stays allocated (dispose tensors, or create them inside scope())'))
      : null;
  }

  get liveCount(): number {
    return this.#live;
  }

  /** Wraps a storage into a tracked Tensor. */
  adopt(storage: TensorStorage, shape: readonly number[]): Tensor {
    const t = new Tensor(storage, shape, (d) => this.#forget(d));
    this.#live++;
    this.#scopes.at(-1)?.add(t);
    this.#leaks?.register(t, `a tensor of shape ${fmtShape(shape)}`, t);
    return t;
  }

  #forget(t: Tensor): void {
    this.#live--;
    this.#leaks?.unregister(t);
    for (const s of this.#scopes) s.delete(t);
  }

  /**
   * Takes `t` out of every open scope, so no scope() ever disposes it (as tf.keep): for tensors that
   * outlive the call that made them — module parameters, buffers, gradients, caches.
   */
  persist(t: Tensor): void {
    for (const s of this.#scopes) s.delete(t);
  }

  /** Runs fn; disposes tensors created inside except those reachable from its result. */
  scope<T>(fn: () => T): T {
    if (typeof fn !== 'function') throw new OptionError(`scope: expected a function, got ${typeof fn}`);
    const created = new Set<Tensor>();
    this.#scopes.push(created);
    let result: T;
    try {
      result = fn();
    } catch (e) {
      this.#close(created, new Set());
      throw e;
    }
    if (result instanceof Promise) {
      this.#close(created, new Set());
      throw new OptionError('scope: fn must be synchronous (it returned a Promise); tensors created inside were disposed');
    }
    const keep = new Set<Tensor>();
    collectTensors(result, keep);
    this.#close(created, keep);
    return result;
  }

  /** Pops the scope, disposes its tensors except `keep`, and hands the kept ones to the parent scope. */
  #close(created: Set<Tensor>, keep: Set<Tensor>): void {
    this.#scopes.pop();
    const parent = this.#scopes.at(-1);
    for (const t of created) {
      if (keep.has(t)) parent?.add(t);
      else t.dispose();
    }
  }
}

/** Finds tensors in a Tensor, array or plain object (nested), ignoring anything else. */
function collectTensors(value: unknown, into: Set<Tensor>, seen = new Set<object>()): void {
  if (value instanceof Tensor) {
    into.add(value);
    return;
  }
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (Array.isArray(value)) {
    for (const v of value) collectTensors(v, into, seen);
  } else if (Object.getPrototypeOf(value) === Object.prototype || value instanceof Map) {
    const values = value instanceof Map ? value.values() : Object.values(value);
    for (const v of values) collectTensors(v, into, seen);
  }
}
