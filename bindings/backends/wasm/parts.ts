/**
 * What the threads' wrappers (pool_exports.ts, pool_exports_train.ts) share with the part kernels
 * (assembly/gemm/partition.ts), and a 64-byte round-up used for workspace layouts.
 */

/** assembly/gemm/partition.ts PART_SCRATCH: a part kernel's ws starts with 64 bytes of its own. */
export const PART_SCRATCH = 64;

/**
 * Parts per thread: small enough pieces that a busy core doesn't hold the others back. The part
 * kernels read the thread count back as parts / PARTS_PER_THREAD (assembly/gemm/partition.ts).
 */
export const PARTS_PER_THREAD = 4;

/** `n` bytes rounded up to a whole number of 64-byte cache lines. */
export const align64 = (n: number): number => Math.ceil(n / 64) * 64;

/**
 * Reads i32 word `i` of a block at `ptr` (a conv descriptor, a DCD plan) through one view of the
 * memory, made again only when the memory has grown: the wrappers decide per call whether to split,
 * and a fresh Int32Array per decision was an allocation on every threaded op.
 */
export function wordReader(memory: WebAssembly.Memory): (ptr: number, i: number) => number {
  let view = new Int32Array(memory.buffer);
  return (ptr, i) => {
    if (view.buffer !== memory.buffer) view = new Int32Array(memory.buffer);
    return view[(ptr >>> 2) + i];
  };
}

/** 2·N·Cout·OH·OW·(Cin/G·KH·KW) of the conv descriptor at p: the same count for forward, backward data and weight. */
export function convFlops(word: (ptr: number, i: number) => number, p: number): number {
  return 2 * word(p, 0) * word(p, 4) * word(p, 14) * word(p, 15) * (word(p, 1) / word(p, 13)) * word(p, 5) * word(p, 6);
}
