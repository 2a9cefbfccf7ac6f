// dcd-wasm on Cloudflare Workers (workerd): a Worker that runs a conv2d per request.
//
// Workers may compile WebAssembly only while the script is first evaluated, never inside a request,
// and the platform hands a `.wasm` import to the script as a ready WebAssembly.Module. So: import the
// module, call initSync({ wasm }) at top level, and use the backend in fetch().
// The slim entry embeds no wasm, so the Worker's JS stays small (~65 KB minified instead of several
// MB) and no compile of embedded bytes happens at a cold start. ('dcd-wasm' with initSync() and no
// arguments, the wasm embedded in the bundle, also works at top level.)
import { initSync } from 'dcd-wasm/slim';
import wasm from 'dcd-wasm/dcd-simd.wasm';

const m = initSync({ wasm });

// One 3×3 filter bank, created once and reused by every request (it stays in wasm memory).
const C = 3, K = 4;
const weight = m.tensor(Float32Array.from({ length: K * C * 9 }, (_, i) => Math.sin(i) / 3), [K, C, 3, 3]);

export default {
  /**
   * POST {"shape": [N, 3, H, W], "data": [...]} → {"shape": [N, 4, H, W], "data": [...]}
   * GET  → the same for a built-in 1×3×4×4 input, plus which backend ran it.
   */
  async fetch(request) {
    try {
      const input = request.method === 'POST'
        ? await request.json()
        : { shape: [1, C, 4, 4], data: Array.from({ length: C * 16 }, (_, i) => i / 16) };
      // scope() frees every tensor created for this request; the response holds plain numbers.
      const output = m.scope(() => {
        const y = m.conv2d(m.tensor(input.data, input.shape), weight, { padding: 'same' });
        return { shape: y.shape, data: Array.from(y.data) };
      });
      return Response.json({ backend: m.info().backend, ...output });
    } catch (e) {
      // ShapeError, OptionError, … carry a code and a message naming the bad argument.
      return Response.json({ error: e.message, code: e.code }, { status: 400 });
    }
  },
};
