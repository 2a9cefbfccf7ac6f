/** The backends every binding suite runs against: all three must pass in every runtime. */
export const BACKENDS = ['wasm-simd', 'wasm-scalar', 'js'] as const;
export type TestBackend = (typeof BACKENDS)[number];
