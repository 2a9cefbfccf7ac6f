/**
 * An arena: one block of backend memory holding many tensors whose lifetimes the caller has planned
 * (an inference plan's activations, bindings/plan/). Shared by both backends; each passes how to make
 * a storage over part of its block and how to free the block.
 *
 * A view is a Tensor the ops accept like any other, but it owns nothing: its dispose() frees nothing,
 * and the arena's dispose() disposes every view first, so no view can outlive the memory it points at
 * (an op given one afterwards throws DisposedTensorError instead of reading freed memory).
 */
import { OptionError, ShapeError } from '../errors';
import { checkShape, fmtShape } from '../ops/checks';
import { Tensor, type TensorStorage } from '../tensor';

/** One block of memory for tensors whose lifetimes the caller plans. Create it with `m.createArena(floats)`. */
export interface Arena {
  /** Size of the block in floats. */
  readonly floats: number;
  /** Bytes of the block (4 × floats, plus the backend's alignment). */
  readonly bytes: number;
  /**
   * A tensor over floats [offset, offset + product(shape)) of the block. Views may overlap (the caller
   * plans who uses which floats when); they are not counted in memoryStats().liveTensors and die with
   * the arena.
   */
  view(offset: number, shape: readonly number[]): Tensor;
  /** Frees the block; every view is disposed. Disposing twice is harmless. */
  dispose(): void;
}

export function makeArena(
  floats: number, bytes: number,
  storageAt: (offset: number, length: number) => TensorStorage, free: () => void,
): Arena {
  const views: Tensor[] = [];
  let alive = true;
  return {
    floats,
    bytes,
    view(offset, shape) {
      const size = checkShape(shape, 'arena.view');
      if (!alive) throw new OptionError('arena.view: the arena has been disposed');
      if (!Number.isSafeInteger(offset) || offset < 0 || offset + size > floats) {
        throw new ShapeError(`arena.view: floats [${offset}, ${offset} + ${size}) of shape ${fmtShape(shape)} ` +
          `are outside the arena's ${floats} floats`);
      }
      const t = new Tensor(storageAt(offset, size), shape);
      views.push(t);
      return t;
    },
    dispose() {
      if (!alive) return;
      alive = false;
      for (const t of views) t.dispose();
      views.length = 0;
      free();
    },
  };
}

/** Validates the float count of m.createArena. */
export function checkArenaFloats(floats: unknown): number {
  if (typeof floats !== 'number' || !Number.isSafeInteger(floats) || floats < 1) {
    throw new OptionError(`createArena: floats must be an integer >= 1, got ${String(floats)}`);
  }
  return floats;
}
