/**
 * Tensor: an N-d float32 array owned by one backend instance. Both backends use this class; what
 * differs is the storage behind it (a block of wasm linear memory, or a plain Float32Array).
 */
import { DisposedTensorError } from './errors';

/** Element type of a tensor; only float32 is supported. */
export type DType = 'float32';

/**
 * Where a tensor's elements live. A wasm storage re-creates its view on every call, because
 * `memory.grow` detaches the old ArrayBuffer; a js storage returns the same Float32Array.
 */
export interface TensorStorage {
  /** Identity of the backend instance that created the storage; ops reject foreign tensors. */
  readonly backend: object;
  /** The elements, as a Float32Array valid until the next call that may allocate. */
  view(): Float32Array;
  /** Frees the elements. Called exactly once, by Tensor.dispose(). */
  release(): void;
}

/** An N-d float32 array owned by one backend instance; create it with the backend (`m.tensor`, `m.zeros`, ops), free it with dispose() or scope(). */
export class Tensor {
  /** Dimensions, outermost first (frozen copy). */
  readonly shape: readonly number[];
  /** Number of elements: the product of the shape (1 for a scalar). */
  readonly size: number;
  /** Always `'float32'`. */
  readonly dtype: DType = 'float32';
  #storage: TensorStorage | null;
  readonly #onDispose: ((t: Tensor) => void) | undefined;

  /** Created by backends (m.tensor, m.zeros, ops); not meant to be called by users. */
  constructor(storage: TensorStorage, shape: readonly number[], onDispose?: (t: Tensor) => void) {
    this.shape = Object.freeze(shape.slice());
    this.size = shape.reduce((a, b) => a * b, 1);
    this.#storage = storage;
    this.#onDispose = onDispose;
  }

  /**
   * True for real tensors only: an object made with Object.create(Tensor.prototype) or a look-alike
   * passes `instanceof` but has no private storage, and would throw an untyped TypeError later.
   */
  static isTensor(value: unknown): value is Tensor {
    return typeof value === 'object' && value !== null && #storage in value;
  }

  /** True once dispose() has run; any further use throws DisposedTensorError. */
  get isDisposed(): boolean {
    return this.#storage === null;
  }

  /**
   * A live view of the elements (no copy), re-derived on every read, so reading `t.data` is always
   * valid. A view you HOLD may go empty (length 0) after any call that allocates on a wasm backend
   * (memory growth detaches it): read `t.data` again then, or take a copy with toFloat32Array().
   * Writing through the view writes the tensor. Passing it to m.tensor() of the same backend is safe.
   */
  get data(): Float32Array {
    return this.storage.view();
  }

  /** A copy of the elements that stays valid whatever happens to the tensor afterwards. */
  toFloat32Array(): Float32Array {
    return this.storage.view().slice();
  }

  /** Frees the elements. Disposing twice is harmless. */
  dispose(): void {
    const storage = this.#storage;
    if (storage === null) return;
    this.#storage = null;
    storage.release();
    this.#onDispose?.(this);
  }

  /** @internal The storage, for backends. Throws DisposedTensorError after dispose(). */
  get storage(): TensorStorage {
    if (this.#storage === null) {
      throw new DisposedTensorError(`tensor of shape [${this.shape.join(', ')}] was used after dispose()`);
    }
    return this.#storage;
  }

  /** `Tensor(float32, [dims])`, with `, disposed` once freed. */
  toString(): string {
    return `Tensor(float32, [${this.shape.join(', ')}]${this.isDisposed ? ', disposed' : ''})`;
  }
}
