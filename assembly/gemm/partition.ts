// Splitting one op's work into `parts` pieces for the thread pool (bindings/runtime/threads).
//
// The work is `segs` segments (e.g. samples × groups) of `len` units (output pixels, channels, …),
// flattened. Part i covers [partStart(i), partStart(i + 1)). Boundaries are rounded down to a
// multiple of `align` inside their segment: with align = 8 (a multiple of both builds' NR) every
// part's GEMM tiles sit on the same columns as in the single-threaded run, so each output element
// is summed in the same order and the threaded result is bit-identical.

/**
 * Every part kernel's `ws` starts with this many bytes of scratch of its own (e.g. a sub-problem
 * descriptor), followed by the op's usual workspace.
 */
export const PART_SCRATCH: usize = 64;

/**
 * First flattened unit of part `i` (i = parts gives segs·len, the end). nearest: the boundary goes to
 * the NEAREST multiple of `align` inside its segment (or the segment's end) instead of rounding down —
 * for splits whose parts are few and large (a conv's output-channel rows), where rounding every
 * boundary down leaves the last part up to align − 1 units longer (256 rows in 2 parts on 5-row
 * panels: 125 + 131 rounded down, 130 + 126 to the nearest).
 */
export function partStart(segs: i32, len: i32, i: i32, parts: i32, align: i32, nearest: bool = false): i64 {
  const total = <i64>segs * len;
  if (i <= 0) return 0;
  if (i >= parts) return total;
  const s = total * i / parts;
  const seg = s / len;
  const off = s - seg * len;
  const rem = off % align;
  return seg * len + (nearest && rem * 2 > align ? min<i64>(off - rem + align, len) : off - rem);
}

/** partStart with each boundary at the nearest multiple of `align`. */
export function partStartNearest(segs: i32, len: i32, i: i32, parts: i32, align: i32): i64 {
  return partStart(segs, len, i, parts, align, true);
}

/**
 * The pool splits an op into threads × PARTS_PER_THREAD parts (bindings/backends/wasm/pool_exports.ts
 * has the same constant), so a part kernel can tell how many threads will share its parts: splits
 * that use fewer parts than offered use a multiple of that (3 equal parts on 2 threads take 2/3 of
 * the time of one thread, not 1/2).
 */
export const PARTS_PER_THREAD: i32 = 4;

/** Threads sharing `parts` parts (at least 1). */
export function threadsOfParts(parts: i32): i32 {
  return max(1, parts / PARTS_PER_THREAD);
}

/** Part `i` of [0, n) rounded down to `align` (a single segment). */
export function partStart1(n: i32, i: i32, parts: i32, align: i32): i32 {
  return <i32>partStart(1, n, i, parts, align);
}
