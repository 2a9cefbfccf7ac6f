import { relaxedSimdSupported } from '../../bindings/runtime/features';

const ALL = ['wasm-relaxed-simd', 'wasm-simd', 'wasm-scalar', 'js'] as const;
export type TestBackend = (typeof ALL)[number];

/**
 * The backends every binding suite runs against: all must pass in every runtime. The relaxed-SIMD
 * build is included where the runtime validates it (Deno, Chromium; Node only when started with
 * --experimental-wasm-relaxed-simd, see `npm run test:node:relaxed`).
 */
export const BACKENDS: readonly TestBackend[] = ALL.filter((b) => b !== 'wasm-relaxed-simd' || relaxedSimdSupported());
