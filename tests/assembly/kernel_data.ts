// Shared by the kernel specs: deterministic data on the heap and the per-element error bound.
// (Not a spec: as-pect compiles each spec on its own, so every spec has its own copy of `seed`.)

let seed: u32 = 987654321;

/** Restarts the input sequence (each spec keeps its own seed, so its cases stay the same data). */
export function reseed(value: u32): void {
  seed = value;
}

export function nextValue(): f32 {
  seed = seed * 1664525 + 1013904223; // LCG: deterministic inputs in [-1, 1)
  return <f32>((<f64>(seed >>> 8) / 8388608.0) - 1.0);
}

/** `count` floats of nextValue() (at least 4 bytes, so the pointer is never 0). */
export function allocFilled(count: i32): usize {
  const ptr = heap.alloc(<usize>max(count, 1) << 2);
  for (let i = 0; i < count; i++) store<f32>(ptr + (<usize>i << 2), nextValue());
  return ptr;
}

/** Element i of the f32 array at ptr, widened to f64. */
@inline export function at(ptr: usize, i: i32): f64 {
  return <f64>load<f32>(ptr + (<usize>i << 2));
}

/** A conv2d shape descriptor (16 i32) on the heap. */
export function descriptor(dims: i32[]): usize {
  const p = heap.alloc(64);
  for (let i = 0; i < 16; i++) store<i32>(p + (<usize>i << 2), dims[i]);
  return p;
}

/**
 * 1 when `got` is off `ref` by more than 1e-5 of `mag` (the absolute sum of the float32 terms) + 1e-6,
 * else 0. NaN or ±Inf in `got` counts as off (the comparison is written so that it cannot pass).
 */
export function mismatch(got: f64, ref: f64, mag: f64): i32 {
  return Math.abs(got - ref) <= 1e-5 * mag + 1e-6 ? 0 : 1;
}

/** Elements whose 32-bit patterns differ between two float arrays of `count` (0 = bit-identical). */
export function bitsDiffer(a: usize, b: usize, count: i32): i32 {
  let bad = 0;
  for (let i = 0; i < count; i++) if (load<u32>(a + (<usize>i << 2)) != load<u32>(b + (<usize>i << 2))) bad++;
  return bad;
}

/** A heap copy of `count` floats (at least 16 bytes, so the pointer is never 0). */
export function copyOf(src: usize, count: i32): usize {
  const dst = heap.alloc(max<usize>(<usize>count << 2, 16));
  memory.copy(dst, src, <usize>count << 2);
  return dst;
}

/** Fills `count` floats with a fixed pattern other than the inputs (an output left unwritten shows up). */
export function scribble(ptr: usize, count: i32): void {
  for (let i = 0; i < count; i++) store<f32>(ptr + (<usize>i << 2), <f32>(i % 7) - 3.5);
}
