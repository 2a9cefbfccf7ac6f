/**
 * First-fit allocator over a WebAssembly.Memory. Blocks are 64-byte aligned (cache line; the kernels
 * need 16), the heap starts at the kernel's heapBase(), free neighbours are coalesced, and memory
 * grows on demand. An impossible request throws OutOfMemoryError and leaves everything as it was.
 */
import { OutOfMemoryError } from '../../errors';
import { NO_GUARDS, type RuntimeGuards } from '../../runtime/debug';

export const ALIGN = 64;
const PAGE = 65536;
/** wasm32 linear memory tops out at 65536 pages. */
export const MAX_MEMORY_BYTES = 4 * 1024 * 1024 * 1024;

const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

interface Block { offset: number; size: number }

export class Allocator {
  readonly #memory: WebAssembly.Memory;
  readonly heapStart: number;
  /** Free blocks sorted by offset, never adjacent (always coalesced). */
  #free: Block[] = [];
  /** Live allocations: offset → size. */
  #used = new Map<number, number>();
  #heapEnd: number;
  #allocatedBytes = 0;
  #peakBytes = 0;
  readonly #guards: RuntimeGuards;
  #allocations = 0;

  constructor(memory: WebAssembly.Memory, heapBase: number, guards: RuntimeGuards = NO_GUARDS) {
    this.#memory = memory;
    // Never hand out offset 0: the kernel ABI reads pointer 0 as "absent".
    this.heapStart = alignUp(Math.max(heapBase, ALIGN), ALIGN);
    this.#heapEnd = this.heapStart;
    this.#guards = guards;
    if (guards.poison) this.#poison(this.heapStart, memory.buffer.byteLength);
  }

  /** debug.poison: NaN (0xFF bytes) over [from, to) — memory nobody may read before writing. */
  #poison(from: number, to: number): void {
    if (to > from) new Uint8Array(this.#memory.buffer, from, to - from).fill(0xff);
  }

  get allocatedBytes(): number { return this.#allocatedBytes; }
  /** The high-water mark of allocatedBytes since construction or resetPeak(). */
  get peakAllocatedBytes(): number { return this.#peakBytes; }
  resetPeak(): void { this.#peakBytes = this.#allocatedBytes; }
  get liveBlocks(): number { return this.#used.size; }
  get memoryBytes(): number { return this.#memory.buffer.byteLength; }

  /** Returns a 64-byte-aligned byte offset of at least `bytes` bytes (0 bytes still gets a block). */
  alloc(bytes: number, what = 'allocation'): number {
    if (!Number.isFinite(bytes) || bytes < 0) {
      throw new OutOfMemoryError(`cannot allocate ${bytes} bytes for ${what}`);
    }
    const size = alignUp(Math.max(bytes, 1), ALIGN);
    if (size > MAX_MEMORY_BYTES - this.heapStart) {
      throw new OutOfMemoryError(`${what} needs ${bytes} bytes, more than wasm32 memory can hold (4 GiB)`);
    }
    this.#allocations++;
    if (this.#guards.failAllocation?.(this.#allocations, bytes)) {
      throw new OutOfMemoryError(`${what} needs ${bytes} bytes; allocation ${this.#allocations} failed (debug.failAllocation)`);
    }
    let i = this.#free.findIndex((b) => b.size >= size);
    if (i < 0) i = this.#growFor(size, what);
    const block = this.#free[i];
    const offset = block.offset;
    if (block.size === size) this.#free.splice(i, 1);
    else { block.offset += size; block.size -= size; }
    this.#used.set(offset, size);
    this.#allocatedBytes += size;
    if (this.#allocatedBytes > this.#peakBytes) this.#peakBytes = this.#allocatedBytes;
    return offset;
  }

  /** Frees a block returned by alloc(). Freeing an unknown offset is a bug in the bindings. */
  free(offset: number): void {
    const size = this.#used.get(offset);
    if (size === undefined) throw new Error(`dcd-wasm internal error: free of unknown offset ${offset}`);
    this.#used.delete(offset);
    this.#allocatedBytes -= size;
    if (this.#guards.poison) this.#poison(offset, offset + size);
    this.#insertFree({ offset, size });
  }

  /** Grows the heap (and memory if needed) so a free block of `size` exists; returns its index. */
  #growFor(size: number, what: string): number {
    const last = this.#free.at(-1);
    const tailFree = last && last.offset + last.size === this.#heapEnd ? last.size : 0;
    const newEnd = this.#heapEnd + size - tailFree;
    const cap = this.#guards.maxMemoryBytes;
    if (newEnd > cap) {
      throw new OutOfMemoryError(`${what} needs ${size} bytes but memory is capped at maxMemoryBytes = ${cap} ` +
        `(${this.#allocatedBytes} bytes in use, heap ends at ${this.#heapEnd})`);
    }
    if (newEnd > MAX_MEMORY_BYTES) {
      throw new OutOfMemoryError(`${what} needs ${size} bytes but only ${MAX_MEMORY_BYTES - this.#heapEnd + tailFree} ` +
        `more fit in wasm32 memory (4 GiB), with ${this.#allocatedBytes} bytes in use`);
    }
    const have = this.#memory.buffer.byteLength;
    if (newEnd > have) {
      try {
        this.#memory.grow(Math.ceil((newEnd - have) / PAGE));
        if (this.#guards.poison) this.#poison(have, this.#memory.buffer.byteLength);
      } catch (e) {
        throw new OutOfMemoryError(`${what} needs ${size} bytes; growing wasm memory from ${have} to ${newEnd} ` +
          `bytes failed (${(e as Error).message})`);
      }
    }
    this.#insertFree({ offset: this.#heapEnd, size: newEnd - this.#heapEnd });
    this.#heapEnd = newEnd;
    return this.#free.length - 1;
  }

  #insertFree(block: Block): void {
    const free = this.#free;
    let i = 0;
    while (i < free.length && free[i].offset < block.offset) i++;
    const prev = free[i - 1];
    const next = free[i];
    if (prev && prev.offset + prev.size === block.offset) {
      prev.size += block.size;
      if (next && prev.offset + prev.size === next.offset) {
        prev.size += next.size;
        free.splice(i, 1);
      }
    } else if (next && block.offset + block.size === next.offset) {
      next.offset = block.offset;
      next.size += block.size;
    } else {
      free.splice(i, 0, block);
    }
  }
}
