/**
 * dcd-wasm/slim: the same API as 'dcd-wasm', with no wasm embedded (its bundle is built with every
 * embedded build empty, see rollup.config.mjs), so an app's JavaScript stays small. init() loads the
 * one build this runtime supports from where you say:
 *
 *   import { init } from 'dcd-wasm/slim';
 *   const m = await init({ wasm: (file) => `/assets/${file}` });   // copy node_modules/dcd-wasm/dist/*.wasm there
 *
 * `file` is a {@link WasmFile}: dcd-relaxed-simd.wasm, dcd-simd.wasm or dcd-scalar.wasm. A
 * WebAssembly.Module, bytes, URL or Response works too. The slim entry carries no threads runtime
 * (rollup.config.mjs builds it with runtime/threads/start_slim.ts): init({ threads: n > 1 }) throws a
 * BackendError naming the default entry, threads: 'auto' runs on one thread.
 */
export * from './index';
