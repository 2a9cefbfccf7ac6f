// How far each float32 path of bench:nets is from the truth — the same network in float64 — per image:
// the planned path (BatchNorm folded, relaxed SIMD), the layer-by-layer path and PyTorch's float32
// logits, on the export's batch of 8 (image 0 also planned at batch 1).
//
// Why: issue 11 asks planned = layer by layer within 1e-5 relative. On a deep network each float32 path
// is its own rounding away from the float64 logits; two independent paths can only agree to about the
// sum of those distances, so this shows whether a miss is the plan's error or the network's float32
// floor (PyTorch's own float32 vs float64 is in the same table).
//
//   node --experimental-wasm-relaxed-simd bench/nets/precision.mjs [--filter REGEX]
// Needs build/onnx/<net>.{json,safetensors} with 'batchLogits64' (tools/fixtures/export_onnx.py writes it;
// run bench:nets once, or delete an older export to re-export it).
import { existsSync, readFileSync } from 'node:fs';
import { exportPaths } from './exports.mjs';
import { FAMILIES, NETWORKS, SIZE, INPUT_TAG, hashInput, logitsError } from './networks.mjs';
import { fastestWasmBackend } from '../peers/relaxed.mjs';

const filterAt = process.argv.indexOf('--filter');
const filter = filterAt > 0 ? new RegExp(process.argv[filterAt + 1]) : null;
const files = FAMILIES.flatMap((f) => [f.dcd, f.static]).filter((f) => !filter || filter.test(f));
const lib = await import('../../dist/index.js');
const backend = fastestWasmBackend();
const CLASSES = 1000;

const image = (a, i) => a.slice(i * CLASSES, (i + 1) * CLASSES);
const fmt = (v) => (v == null ? '—' : v.toExponential(1));
const maxOf = (xs) => xs.reduce((a, b) => (b == null || a >= b ? a : b), 0);

console.log(`relative error = max |Δlogit| / max |logit| per image; ${backend}; batch 8 (the export's), and image 0 planned at batch 1`);
console.log('| network | plan − layers | plan − float64 | layers − float64 | PyTorch f32 − float64 | plan (batch 1) − layers |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const file of files) {
  const paths = exportPaths(file);
  if (!existsSync(paths.json) || !existsSync(paths.safetensors)) { console.log(`| ${NETWORKS[file].label} | no export in build/onnx/ |||||`); continue; }
  const record = JSON.parse(readFileSync(paths.json, 'utf8'));
  if (!record.batchLogits64) { console.log(`| ${NETWORKS[file].label} | export has no batchLogits64 (re-export) |||||`); continue; }
  const m = await lib.init({ backend });
  const net = NETWORKS[file].make(lib, m);
  net.loadStateDict(lib.stateDictFromSafetensors(readFileSync(paths.safetensors)));
  net.eval();
  const batch = record.batchInput[0];
  const x = hashInput(INPUT_TAG, batch * 3 * SIZE * SIZE);
  const layers = m.scope(() => net.forward(m.tensor(x, [batch, 3, SIZE, SIZE])).toFloat32Array());
  const planned = new Float32Array(batch * CLASSES);
  const plan = lib.planInference(net, { inputShape: [batch, 3, SIZE, SIZE] });
  plan.run(x, { out: planned });
  plan.dispose();
  const single = new Float32Array(CLASSES);
  const plan1 = lib.planInference(net, { inputShape: [1, 3, SIZE, SIZE] });
  plan1.run(x.subarray(0, 3 * SIZE * SIZE), { out: single });
  plan1.dispose();
  const cols = [[], [], [], []];
  for (let i = 0; i < batch; i++) {
    const truth = image(record.batchLogits64, i), torch32 = image(record.batchLogits, i);
    if (truth.some((v) => v == null) || torch32.some((v) => v == null)) continue; // not finite in PyTorch
    cols[0].push(logitsError(image(planned, i), image(layers, i)));
    cols[1].push(logitsError(image(planned, i), truth));
    cols[2].push(logitsError(image(layers, i), truth));
    cols[3].push(logitsError(torch32, truth));
  }
  const worst = cols.map(maxOf);
  const single0 = logitsError(single, image(layers, 0));
  console.log(`| ${NETWORKS[file].label} | ${worst.map(fmt).join(' | ')} | ${fmt(single0)} |`);
  net.dispose();
  m.dispose();
}
console.log('Worst image of the batch in each column (images where PyTorch itself is not finite are left out).');
