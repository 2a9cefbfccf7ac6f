#!/usr/bin/env node
// One cold start, in a fresh Node process (run by bench/nets.mjs): nothing compiled or cached yet.
//   node bench/nets/cold.mjs ours <backend> <file> <safetensors>   dcd-wasm: import the bundle + init()
//        (wasm compile) → build the network → read the safetensors file, parse it, loadStateDict, eval()
//        → build the inference plan → the first image (input copied in, logits read out).
//   node bench/nets/cold.mjs ort <file> <onnx>                      ONNX Runtime Web: import + create the
//        session from the .onnx file (read included) → the first image.
// Prints one JSON line: the phases in ms, their total, the logits of the first image and, for dcd-wasm,
// m.info().memoryBytes after the image.
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--experimental-wasm-relaxed-simd'); // before any wasm compile (Node 20)
const [engine, ...rest] = process.argv.slice(2);
const clock = () => performance.now();
const phases = {};
let t = clock();
const lap = (name) => { const now = clock(); phases[name] = now - t; t = now; };
const { readFileSync } = await import('node:fs');
const { hashInput, NETWORKS, SIZE, INPUT_TAG } = await import('./networks.mjs');
const shape = [1, 3, SIZE, SIZE];
const x = hashInput(INPUT_TAG, 3 * SIZE * SIZE); // made before the clock starts counting
t = clock();
let logits, memoryBytes = null;
if (engine === 'ours') {
  const [backend, file, safetensorsPath] = rest;
  const lib = await import('../../dist/index.js');
  const m = await lib.init({ backend });
  lap('init');
  const net = NETWORKS[file].make(lib, m);
  lap('build');
  net.loadStateDict(lib.stateDictFromSafetensors(readFileSync(safetensorsPath)));
  net.eval();
  lap('load');
  const plan = lib.planInference(net, { inputShape: shape });
  lap('plan');
  logits = plan.run(x).slice();
  lap('first');
  memoryBytes = m.info().memoryBytes;
} else if (engine === 'ort') {
  const [, onnxPath] = rest;
  const { ort } = await import('../peers/engines/ort_module.mjs');
  const { configureOrt } = await import('./engines.mjs');
  configureOrt(ort);
  lap('init');
  const session = await ort.InferenceSession.create(readFileSync(onnxPath), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  lap('load');
  const out = await session.run({ input: new ort.Tensor('float32', x, shape) });
  logits = new Float32Array(out.logits.data);
  lap('first');
} else {
  throw new Error(`cold.mjs: engine must be ours or ort, got ${engine}`);
}
const totalMs = Object.values(phases).reduce((a, b) => a + b, 0);
process.stdout.write(JSON.stringify({ phases, totalMs, memoryBytes, logits: [...logits] }) + '\n');
