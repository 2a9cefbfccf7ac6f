/**
 * What a wasm DCD forward keeps for its backward: raw allocator blocks (not tracked tensors, so a
 * scope() around the forward does not free them), owned by the cache and freed by dispose(), plus a
 * reference to the input x (not a copy: the caller keeps x alive until backward, as with
 * DynamicConv2d; backward says so clearly if x was disposed meanwhile).
 */
import { BackendError, DisposedTensorError } from '../../errors';
import type { DcdCache, DcdDims } from '../../ops/dcd';
import type { Tensor } from '../../tensor';
import type { Allocator } from './allocator';
import type { DcdGeometry } from './dcd_geometry';

/** Names of the kept buffers (see dcd_forward.ts for what each holds). */
export type DcdSaved =
  | 'g' | 's' | 't' | 's2' | 'phi' | 'u' | 'lam' | 'c'
  | 'zq' | 'z1' | 'w' | 'z' | 'mean1' | 'invstd1' | 'mean2' | 'invstd2';

export class WasmDcdCache implements DcdCache {
  readonly training: boolean;
  readonly xShape: readonly number[];
  readonly #x: Tensor;
  readonly yShape: readonly number[];
  readonly dims: DcdDims;
  readonly geometry: DcdGeometry;
  /** The backend instance that made it (a cache only works with its own memory). */
  readonly token: object;
  readonly #allocator: Allocator;
  readonly #blocks = new Map<DcdSaved, number>();
  #disposed = false;

  constructor(token: object, allocator: Allocator, dims: DcdDims, geometry: DcdGeometry, training: boolean,
    x: Tensor, yShape: readonly number[]) {
    this.token = token;
    this.#allocator = allocator;
    this.dims = dims;
    this.geometry = geometry;
    this.training = training;
    this.#x = x;
    this.xShape = [...x.shape];
    this.yShape = yShape;
  }

  get isDisposed(): boolean { return this.#disposed; }

  /** Allocates the kept buffer `name` of `floats` f32. */
  keep(name: DcdSaved, floats: number): number {
    const p = this.#allocator.alloc(floats * 4, `dcd cache '${name}'`);
    this.#blocks.set(name, p);
    return p;
  }

  /** Pointer of a kept buffer, 0 when this forward did not keep it. */
  ptr(name: DcdSaved): number {
    if (this.#disposed) throw new BackendError('dcd: the forward cache was used after dispose()');
    return this.#blocks.get(name) ?? 0;
  }

  /** The forward's input x, which backward reads; DisposedTensorError if the caller disposed it. */
  input(op: string): Tensor {
    if (this.#x.isDisposed) {
      throw new DisposedTensorError(`${op}: backward reads the forward's input x, which has been disposed; ` +
        'keep x alive until backward()');
    }
    return this.#x;
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const p of this.#blocks.values()) this.#allocator.free(p);
    this.#blocks.clear();
  }
}
