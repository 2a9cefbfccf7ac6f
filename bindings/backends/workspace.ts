/**
 * A workspace shared by prepared ops that never run at the same time (the steps of an inference
 * plan): each reserves what its kernel needs when it is prepared, the block is the largest
 * reservation, and each run reads the block's current offset. Separate workspaces cost the sum of
 * them: 53 MB for the convs of a ResNet-18 at batch 2 and 224², against 7 MB shared.
 * Made by `createWorkspace()` (no backend yet): the first prepared op that reserves binds it to its
 * backend; another backend's op is an OptionError (its memory is not this one's).
 */
import { OptionError } from '../errors';
import { describe } from '../ops/checks';
import type { Workspace } from '../ops/conv2d_prepared';

/** What a workspace needs of a backend's memory (the wasm allocator; null on the js backend, which needs none). */
export interface WorkspaceAllocator {
  alloc(bytes: number, what: string): number;
  free(ptr: number): void;
}

export class SharedWorkspace implements Workspace {
  #owner: object | null = null;
  #allocator: WorkspaceAllocator | null = null;
  #ptr = 0;
  #bytes = 0;
  #disposed = false;

  get bytes(): number {
    return this.#bytes;
  }

  get isDisposed(): boolean {
    return this.#disposed;
  }

  /** The block's offset now (0 when nothing was reserved); it moves when a reservation grows it. */
  get ptr(): number {
    return this.#ptr;
  }

  /** Grows the block to at least `bytes` of `owner`'s memory (contents are scratch: nothing is copied). */
  reserve(owner: object, allocator: WorkspaceAllocator | null, bytes: number, op: string): void {
    if (this.#disposed) throw new OptionError(`${op}: the workspace has been disposed`);
    if (this.#owner !== null && this.#owner !== owner) {
      throw new OptionError(`${op}: the workspace already serves another backend instance; make one per backend`);
    }
    this.#owner = owner;
    this.#allocator = allocator;
    if (!allocator || bytes <= this.#bytes) return;
    const ptr = allocator.alloc(bytes, 'shared workspace');
    if (this.#ptr) allocator.free(this.#ptr);
    this.#ptr = ptr;
    this.#bytes = bytes;
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    if (this.#ptr) this.#allocator?.free(this.#ptr);
    this.#ptr = 0;
    this.#bytes = 0;
  }
}

/** A prepared op's `workspace` option: null, or a live workspace from createWorkspace() (reserve() checks its backend). */
export function sharedWorkspaceOption(op: string, value: unknown): SharedWorkspace | null {
  if (value === undefined || value === null) return null;
  if (!(value instanceof SharedWorkspace)) {
    throw new OptionError(`${op}: workspace must come from createWorkspace(), got ${describe(value)}`);
  }
  if (value.isDisposed) throw new OptionError(`${op}: the workspace has been disposed`);
  return value;
}
