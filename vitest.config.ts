/**
 * Node run of the binding suites (`npm run test:node`). The same files are bundled for Deno and
 * Chromium by tests/runners/bundle.mjs; keep the include list in sync with tests/runners/suites.mjs.
 * tests/node/ holds Node-only suites (files on disk): vitest runs them, the Deno/Chromium bundles do not.
 */
import { defineConfig } from 'vitest/config';
// B1's plugin resolves 'virtual:dcd-wasm/embedded' (the wasm bytes, inlined); vite takes rollup plugins.
import embedWasm from './tools/rollup/embed-wasm.mjs';

export default defineConfig({
  plugins: [embedWasm()],
  test: {
    include: ['tests/bindings/*.test.ts', 'tests/harness/*.test.ts', 'tests/node/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The CI machine has 2 cores: two workers at most.
    maxWorkers: 2,
  },
});
