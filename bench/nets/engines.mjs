// The engines of bench:nets, each holding one network (and, planned, one plan per input shape):
// - this library (dist/, the public API as a user calls it), one init() per engine and network:
//   planned — `planInference(net, { inputShape })` built on the first call of a shape (not timed: the
//   check runs first), then `plan.run(x, { out })`: the input copied in, the logits into `out`;
//   layer by layer — `net.eval(); net.forward(x)` inside m.scope(), the logits read out;
// - ONNX Runtime Web (wasm EP, 1 thread, no proxy) on the ONNX export of the same PyTorch network,
//   session.run with the input as an ort.Tensor, the logits read out (its API copies both ways).
import { readFileSync } from 'node:fs';
import { NETWORKS } from './networks.mjs';

export const LABELS = {
  'wasm-relaxed-simd': 'dcd-wasm relaxed SIMD', 'wasm-simd': 'dcd-wasm SIMD', ort: 'ONNX Runtime Web',
  layers: 'dcd-wasm relaxed SIMD, layer by layer', threads: 'dcd-wasm relaxed SIMD, 2 threads',
};

/**
 * This library with network `file`, its weights loaded from a safetensors file. `name` picks the
 * engine: a backend name (planned, 1 thread), 'layers' (best backend, layer by layer) or 'threads'
 * (best backend, planned, 2 threads).
 */
export async function createOurs(lib, name, bestBackend, file, safetensorsPath) {
  const backend = name === 'layers' || name === 'threads' ? bestBackend : name;
  const m = await lib.init({ backend, ...(name === 'threads' ? { threads: 2 } : {}) });
  if (name === 'threads' && m.info().threads !== 2) throw new Error(`init({ threads: 2 }) gave ${m.info().threads} thread(s): ${m.info().threadsNote ?? ''}`);
  const net = NETWORKS[file].make(lib, m);
  net.loadStateDict(lib.stateDictFromSafetensors(readFileSync(safetensorsPath)));
  net.eval();
  const plans = new Map(); // input shape → { plan, out, peakBytes }
  const planFor = (shape) => {
    const key = shape.join('x');
    let p = plans.get(key);
    if (!p) {
      const before = m.memoryStats().allocatedBytes;
      m.resetPeakMemory();
      const plan = lib.planInference(net, { inputShape: shape });
      p = { plan, out: new Float32Array(plan.outputShape.reduce((a, b) => a * b, 1)), before, peakBytes: null };
      plans.set(key, p);
    }
    return p;
  };
  const run = name === 'layers'
    ? (x, shape) => m.scope(() => net.forward(m.tensor(x, shape)).toFloat32Array())
    : (x, shape) => {
      const p = planFor(shape);
      p.plan.run(x, { out: p.out });
      // The plan's own peak: every byte it allocated (weights, arena, workspace) and its runs' transients.
      p.peakBytes ??= m.memoryStats().peakAllocatedBytes - p.before;
      return p.out;
    };
  return {
    name, label: LABELS[name], module: m,
    run,
    memoryBytes: () => m.info().memoryBytes,
    /** Planned engines: what the plan of this shape holds (stats) and its measured peak. */
    planMemory: (shape) => {
      const p = plans.get(shape.join('x'));
      return p ? { ...p.plan.stats, peakBytes: p.peakBytes } : null;
    },
    dispose: () => { for (const p of plans.values()) p.plan.dispose(); net.dispose(); m.dispose(); },
  };
}

export async function createOrt(ort, onnxPath) {
  const session = await ort.InferenceSession.create(readFileSync(onnxPath), {
    executionProviders: ['wasm'], graphOptimizationLevel: 'all',
  });
  return {
    name: 'ort', label: LABELS.ort,
    run: async (x, shape) => {
      const { logits } = await session.run({ input: new ort.Tensor('float32', x, shape) });
      const data = new Float32Array(logits.data);
      logits.dispose();
      return data;
    },
    memoryBytes: () => null,
    dispose: () => session.release(),
  };
}

export function configureOrt(ort) {
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  ort.env.logLevel = 'error';
  return `ONNX Runtime Web ${ort.env.versions.web} (wasm EP, SIMD, numThreads 1, proxy false, graphOptimizationLevel all)`;
}
