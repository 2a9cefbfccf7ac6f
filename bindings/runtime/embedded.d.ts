/** Provided at build time by tools/rollup/embed-wasm.mjs (rollup and vite): the wasm builds, base64. */
declare module 'virtual:dcd-wasm/embedded' {
  export const SIMD_WASM_BASE64: string;
  export const SCALAR_WASM_BASE64: string;
  /** '' when the bundle was built without the relaxed-SIMD build. */
  export const RELAXED_SIMD_WASM_BASE64: string;
  /** The threads build (SIMD, imports a shared memory); '' when the bundle was built without it. */
  export const THREADS_WASM_BASE64: string;
  /** The relaxed-SIMD threads build; '' when the bundle was built without it. */
  export const RELAXED_SIMD_THREADS_WASM_BASE64: string;
}
