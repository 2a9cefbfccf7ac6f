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

/** First flattened unit of part `i` (i = parts gives segs·len, the end). */
export function partStart(segs: i32, len: i32, i: i32, parts: i32, align: i32): i64 {
  const total = <i64>segs * len;
  if (i <= 0) return 0;
  if (i >= parts) return total;
  const s = total * i / parts;
  const seg = s / len;
  const off = s - seg * len;
  return seg * len + off - off % align;
}

/** Part `i` of [0, n) rounded down to `align` (a single segment). */
export function partStart1(n: i32, i: i32, parts: i32, align: i32): i32 {
  return <i32>partStart(1, n, i, parts, align);
}
