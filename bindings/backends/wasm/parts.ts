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
