// The engines of bench:nets, each holding one network for one batch size at a time:
// - this library (dist/, the public API as a user calls it): `net.eval(); net.forward(x)` inside
//   m.scope(), the input copied in from a Float32Array and the logits read out, as a user's loop does;
//   one init() per engine and network, so m.info().memoryBytes is that network's peak linear memory;
// - ONNX Runtime Web (wasm EP, 1 thread, no proxy) on the ONNX export of the same PyTorch network,
//   session.run with the input as an ort.Tensor, the logits read out (its API copies both ways).
import { readFileSync } from 'node:fs';
import { NETWORKS } from './networks.mjs';

export const LABELS = {
  'wasm-relaxed-simd': 'dcd-wasm relaxed SIMD', 'wasm-simd': 'dcd-wasm SIMD', ort: 'ONNX Runtime Web',
};

/** This library on `backend` with network `file`, its weights loaded from a safetensors file. */
export async function createOurs(lib, backend, file, safetensorsPath) {
  const m = await lib.init({ backend });
  const net = NETWORKS[file].make(lib, m);
  net.loadStateDict(lib.stateDictFromSafetensors(readFileSync(safetensorsPath)));
  net.eval();
  const forward = (x, shape) => m.scope(() => net.forward(m.tensor(x, shape)).toFloat32Array());
  return {
    name: backend, label: LABELS[backend], module: m,
    run: forward,
    memoryBytes: () => m.info().memoryBytes,
    dispose: () => { net.dispose(); m.dispose(); },
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
