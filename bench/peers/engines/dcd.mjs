// This library's engines: 'wasm-simd', 'wasm-scalar' and the 'js' reference, through the public API of
// the built bundle (dist/), exactly as a user calls it. Tensors live in the engine (wasm memory for the
// wasm backends) before timing; the timed call is conv2d + dispose of its output.
import { init } from '../../../dist/index.js';

const LABELS = { 'wasm-simd': 'dcd-wasm SIMD', 'wasm-scalar': 'dcd-wasm scalar', js: 'dcd-wasm JS reference' };

export async function createDcdEngine(backend) {
  const m = await init({ backend });
  return { name: backend, label: LABELS[backend], module: m, prepareConv: (conv) => prepareConv(m, conv) };
}

function prepareConv(m, conv) {
  const { batch, c, k, hw, kernel, stride, padding, groups } = conv;
  const x = m.tensor(conv.x, [batch, c, hw, hw]);
  const w = m.tensor(conv.weight, [k, c / groups, kernel, kernel]);
  const bias = m.tensor(conv.bias, [k]);
  const forward = () => m.conv2d(x, w, { stride, padding, groups, bias });
  return {
    run: () => forward().dispose(),
    output: () => {
      const y = forward();
      const data = y.toFloat32Array();
      y.dispose();
      return data;
    },
    dispose: () => { x.dispose(); w.dispose(); bias.dispose(); },
  };
}
