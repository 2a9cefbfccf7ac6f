// What every consumer app runs: a DCD layer (the official conv_dy(16, 16, 3, 1, 1), seeded
// parameters, eval mode) on the backend init() picks, compared with the same layer on the js backend.
export async function checkDcd(dcd, initOptions) {
  const started = performance.now();
  const m = await dcd.init(initOptions);
  const initMs = performance.now() - started;
  const js = await dcd.init({ backend: 'js' });
  const shape = { inChannels: 16, outChannels: 16, kernelSize: 3, padding: 1, seed: 3 };
  const input = Float32Array.from({ length: 2 * 16 * 8 * 8 }, (_, i) => Math.sin(i * 0.37));
  const forward = (b) => {
    const layer = new dcd.DCDConv2d(b, shape).eval();
    const t0 = performance.now();
    const y = layer.forward(b.tensor(input, [2, 16, 8, 8]));
    const ms = performance.now() - t0;
    const out = y.toFloat32Array();
    layer.dispose();
    return { out, ms };
  };
  const got = forward(m);
  const want = forward(js);
  let maxDiff = 0;
  for (let i = 0; i < want.out.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got.out[i] - want.out[i]));
  return {
    backend: m.info().backend, initMs, forwardMs: got.ms, maxDiff,
    finite: got.out.every(Number.isFinite), size: got.out.length,
  };
}

/** Where the slim apps find the builds: copied next to the page, in wasm/. */
export const wasmNextToPage = (file) => new URL(`wasm/${file}`, location.href);
