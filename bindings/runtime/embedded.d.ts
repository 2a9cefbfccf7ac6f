/** Provided at build time by tools/rollup/embed-wasm.mjs (rollup and vite): the two wasm builds, base64. */
declare module 'virtual:dcd-wasm/embedded' {
  export const SIMD_WASM_BASE64: string;
  export const SCALAR_WASM_BASE64: string;
}
