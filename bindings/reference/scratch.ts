/**
 * Reusable scratch buffers for the reference kernels. JavaScript is single-threaded and no kernel
 * holds a buffer across a call into another user of the same slot, so one growable array per slot
 * is safe and spares the garbage collector a multi-megabyte allocation on every call.
 */
export type ScratchSlot = 'packA' | 'packB' | 'columns';

const buffers = new Map<ScratchSlot, Float32Array>();

/** A Float32Array of at least `length` elements for `slot`; its contents are unspecified. */
export function scratch(slot: ScratchSlot, length: number): Float32Array {
  let buffer = buffers.get(slot);
  if (!buffer || buffer.length < length) {
    buffer = new Float32Array(Math.max(length, 1024));
    buffers.set(slot, buffer);
  }
  return buffer;
}
