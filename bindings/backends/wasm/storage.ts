/**
 * A tensor's elements in wasm linear memory: a block from the allocator. The Float32Array view is
 * cached per ArrayBuffer, since memory.grow detaches the old buffer and views over it go empty.
 */
import type { TensorStorage } from '../../tensor';
import type { Allocator } from './allocator';

export class WasmStorage implements TensorStorage {
  readonly backend: object;
  readonly ptr: number;
  readonly length: number;
  readonly #memory: WebAssembly.Memory;
  /** null: a view into an arena's block, which the arena frees. */
  readonly #allocator: Allocator | null;
  #view: Float32Array | null = null;

  constructor(backend: object, memory: WebAssembly.Memory, allocator: Allocator | null, ptr: number, length: number) {
    this.backend = backend;
    this.#memory = memory;
    this.#allocator = allocator;
    this.ptr = ptr;
    this.length = length;
  }

  view(): Float32Array {
    const buffer = this.#memory.buffer;
    if (this.#view === null || this.#view.buffer !== buffer) {
      this.#view = new Float32Array(buffer, this.ptr, this.length);
    }
    return this.#view;
  }

  release(): void {
    this.#view = null;
    this.#allocator?.free(this.ptr);
  }
}
