/** Rollup plugin: emits dist/wasm.d.ts, the type of `import wasm from 'dcd-wasm/dcd-simd.wasm'` (every .wasm subpath). */
const SOURCE = `/// <reference lib="dom" />
/**
 * A dcd-wasm build imported as a file: a URL string where a bundler turns assets into URLs (webpack
 * asset/resource, esbuild's file loader, Vite with ?url), or a compiled WebAssembly.Module where the
 * runtime compiles .wasm imports (Cloudflare Workers / workerd, bundlers' wasm-module plugins).
 * Either way, pass it on as init({ wasm }).
 */
declare const wasm: string | WebAssembly.Module;
export default wasm;
`;

export default function wasmTypes() {
  return {
    name: 'dcd-wasm-types',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'wasm.d.ts', source: SOURCE });
      this.emitFile({ type: 'asset', fileName: 'wasm.d.cts', source: SOURCE });
    },
  };
}
