/**
 * What a wasm DCD forward keeps for its backward: raw allocator blocks (not tracked tensors, so a
 * scope() around the forward does not free them), owned by the cache and freed by dispose().
 */
import { BackendError } from '../../errors';
import type { DcdCache, DcdDims } from '../../ops/dcd';
import type { Allocator } from './allocator';
import type { DcdGeometry } from './dcd_geometry';

/** Names of the kept buffers (see dcd_forward.ts for what each holds). */
export type DcdSaved =
  | 'x' | 'g' | 's' | 't' | 's2' | 'phi' | 'u' | 'lam' | 'c'
  | 'zq' | 'z1' | 'w' | 'z' | 'mean1' | 'invstd1' | 'mean2' | 'invstd2';

export class WasmDcdCache implements DcdCache {
  readonly training: boolean;
  readonly xShape: readonly number[];
  readonly yShape: readonly number[];
  readonly dims: DcdDims;
  readonly geometry: DcdGeometry;
  /** The backend instance that made it (a cache only works with its own memory). */
  readonly token: object;
  readonly #allocator: Allocator;
  readonly #blocks = new Map<DcdSaved, number>();
  #disposed = false;

  constructor(token: object, allocator: Allocator, dims: DcdDims, geometry: DcdGeometry, training: boolean,
    xShape: readonly number[], yShape: readonly number[]) {
    this.token = token;
    this.#allocator = allocator;
    this.dims = dims;
    this.geometry = geometry;
    this.training = training;
    this.xShape = xShape;
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

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const p of this.#blocks.values()) this.#allocator.free(p);
    this.#blocks.clear();
  }
}
