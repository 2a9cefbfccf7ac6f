// This library's engines: 'wasm-relaxed-simd', 'wasm-simd', 'wasm-scalar', the 'js' reference, and
// wasm-simd on a worker pool (init({ threads })), through the public API of the built bundle (dist/),
// exactly as a user calls it. Tensors live in the engine (wasm memory for the wasm backends) before
// timing; the timed call is conv2d + dispose of its output, and — for runBackward — conv2dBackward
// (dx, dW, db) + dispose of the gradients.
import { init } from '../../../dist/index.js';

const LABELS = {
  'wasm-relaxed-simd': 'dcd-wasm relaxed SIMD', 'wasm-simd': 'dcd-wasm SIMD', 'wasm-scalar': 'dcd-wasm scalar',
  js: 'dcd-wasm JS reference',
};

export async function createDcdEngine(backend) {
  const m = await init({ backend });
  return { name: backend, label: LABELS[backend], module: m, prepareConv: (conv) => prepareConv(m, conv) };
}

/** wasm-simd on `threads` threads; its info() must say so, else this throws. */
export async function createDcdThreadsEngine(threads) {
  const m = await init({ backend: 'wasm-simd', threads });
  const info = m.info();
  if (info.threads !== threads) throw new Error(`init({ threads: ${threads} }) runs ${info.threads} thread(s)${info.threadsNote ? `: ${info.threadsNote}` : ''}`);
  return {
    name: `wasm-simd-${threads}t`, label: `dcd-wasm SIMD, ${threads} threads (init({ threads: ${threads} }), wall clock)`,
    module: m, threads, prepareConv: (conv) => prepareConv(m, conv),
  };
}

function prepareConv(m, conv) {
  const { batch, c, k, hw, kernel, stride, padding, groups, outHw } = conv;
  const x = m.tensor(conv.x, [batch, c, hw, hw]);
  const w = m.tensor(conv.weight, [k, c / groups, kernel, kernel]);
  const bias = m.tensor(conv.bias, [k]);
  let dy = null;
  const forward = () => m.conv2d(x, w, { stride, padding, groups, bias });
  const backward = () => {
    dy ??= m.tensor(conv.dy(), [batch, k, outHw, outHw]);
    return m.conv2dBackward(x, w, dy, { stride, padding, groups, bias: true });
  };
  return {
    run: () => forward().dispose(),
    output: () => {
      const y = forward();
      const data = y.toFloat32Array();
      y.dispose();
      return data;
    },
    /** One backward pass (dx + dW + db) for a fixed dy (made on first use). */
    runBackward: () => {
      const g = backward();
      g.dx?.dispose(); g.dw?.dispose(); g.db?.dispose();
    },
    /** { dx, dw, db } as Float32Arrays, for the correctness check. */
    backwardOutput: () => {
      const g = backward();
      const out = { dx: g.dx.toFloat32Array(), dw: g.dw.toFloat32Array(), db: g.db.toFloat32Array() };
      g.dx.dispose(); g.dw.dispose(); g.db.dispose();
      return out;
    },
    dispose: () => { x.dispose(); w.dispose(); bias.dispose(); dy?.dispose(); },
  };
}
