/** Feature detection for choosing a build. */

/** (module (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt)) — as in wasm-feature-detect. */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

/**
 * (module (func (result v128) i32.const 0 i8x16.splat ×3 f32x4.relaxed_madd)): Node 20 rejects it
 * unless started with --experimental-wasm-relaxed-simd; Deno, Chromium and workerd accept it.
 */
const RELAXED_SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 19, 1, 17, 0,
  65, 0, 253, 15, 65, 0, 253, 15, 65, 0, 253, 15, 253, 133, 2, 11,
]);

export function hasWebAssembly(): boolean {
  return typeof WebAssembly === 'object' && typeof WebAssembly.Module === 'function';
}

/** Whether this runtime validates WebAssembly SIMD (the wasm-simd and threads builds). */
export function simdSupported(): boolean {
  try {
    return hasWebAssembly() && WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

/** Whether this runtime validates WebAssembly relaxed SIMD (the wasm-relaxed-simd builds). */
export function relaxedSimdSupported(): boolean {
  try {
    return hasWebAssembly() && WebAssembly.validate(RELAXED_SIMD_PROBE);
  } catch {
    return false;
  }
}
