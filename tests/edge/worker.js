/**
 * The edge test's Worker (ES module syntax), run by tests/runners/workerd.mjs in Cloudflare's workerd.
 * GET /?path=<name> runs tests/edge/cases.js on the backend loaded by that path and returns JSON
 * { info, results }. The paths are the ways a Worker can get the wasm:
 *   embedded          initSync() with the bytes embedded in dist/index.js (auto → relaxed-SIMD build,
 *                     which workerd validates)
 *   embedded-simd     initSync({ backend: 'wasm-simd' }), the plain SIMD embedded build
 *   embedded-scalar   initSync({ backend: 'wasm-scalar' }), the scalar embedded build
 *   module            initSync({ wasm }) with `import wasm from '….wasm'` (workerd hands a WebAssembly.Module)
 *   module-in-request await init({ wasm }) inside fetch(): instantiating a ready Module is allowed there
 */
import * as dcd from '../../dist/index.js';
import simdModule from '../../dist/dcd-simd.wasm';
import { runCases } from './cases.js';

// workerd compiles wasm bytes only while this script is first evaluated, never inside a request,
// so every path that compiles bytes runs here, at module evaluation time.
const STARTUP = {
  embedded: () => dcd.initSync(),
  'embedded-simd': () => dcd.initSync({ backend: 'wasm-simd' }),
  'embedded-scalar': () => dcd.initSync({ backend: 'wasm-scalar' }),
  module: () => dcd.initSync({ wasm: simdModule }),
};
const backends = {};
const startupErrors = {};
for (const [name, load] of Object.entries(STARTUP)) {
  try {
    backends[name] = load();
  } catch (e) {
    startupErrors[name] = String(e?.stack ?? e);
  }
}

async function backendFor(path) {
  if (path === 'module-in-request') return dcd.init({ wasm: simdModule });
  if (startupErrors[path]) throw new Error(`initialisation at startup failed: ${startupErrors[path]}`);
  if (!backends[path]) throw new Error(`unknown path ${JSON.stringify(path)}`);
  return backends[path];
}

export default {
  async fetch(request) {
    const path = new URL(request.url).searchParams.get('path') ?? 'embedded';
    try {
      const m = await backendFor(path);
      const results = runCases(m, dcd);
      return Response.json({ path, info: m.info(), results });
    } catch (e) {
      return Response.json({ path, error: String(e?.stack ?? e) }, { status: 500 });
    }
  },
};
