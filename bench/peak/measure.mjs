// Times the peak kernels: GFLOP/s of the register-resident loop, median of interleaved rounds.
// Run directly (`node [--experimental-wasm-relaxed-simd] bench/peak/measure.mjs`) it prints JSON,
// which is how bench/peers.mjs gets the relaxed-SIMD figure from a flagged Node 20 child process.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { interleaved } from '../lib/timing.mjs';
import { PEAK_VARIANTS, peakWasmPath } from './build.mjs';

const FLOPS_PER_ITERATION = 96; // 12 chains × 4 lanes × (mul + add), or × 1 FMA counted as 2
const ITERATIONS = 1 << 18;      // ≈ 0.5 ms per call at 50 GFLOP/s

/**
 * One peak variant as a timing engine: run() is one call of the loop, gflops(ms) converts a time per
 * call. null when this runtime does not validate the variant.
 */
export function peakEngine(variant) {
  const bytes = readFileSync(peakWasmPath(variant));
  if (!WebAssembly.validate(bytes)) return null;
  const { peak, memory } = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports;
  new Float32Array(memory.buffer, 0, 8).set([0.999, 0.999, 0.999, 0.999, 0.001, 0.001, 0.001, 0.001]); // m, c
  const check = peak(ITERATIONS, 1);
  if (!Number.isFinite(check)) throw new Error(`peak-${variant} produced ${check}`);
  return { run: () => peak(ITERATIONS, 1), gflops: (ms) => (ITERATIONS * FLOPS_PER_ITERATION) / (ms * 1e6) };
}

/** { variant: { gflops } | { gflops: null, note } } for the variants this runtime validates. */
export function measurePeak({ rounds = 7, minMs = 25 } = {}) {
  const engines = {}, result = {};
  for (const variant of PEAK_VARIANTS) {
    const engine = peakEngine(variant);
    if (engine) engines[variant] = engine;
    else result[variant] = { gflops: null, note: 'not accepted by WebAssembly.validate here' };
  }
  const ms = interleaved(Object.fromEntries(Object.entries(engines).map(([v, e]) => [v, e.run])), { rounds, minMs });
  for (const [variant, t] of Object.entries(ms)) result[variant] = { gflops: engines[variant].gflops(t) };
  return result;
}

/**
 * The relaxed_madd figure with the mul_add figure of the same interleaved run (so their ratio holds
 * even on a loaded machine): measured here if this runtime validates relaxed SIMD, else in a child
 * Node 20 started with the flag. { gflops, mulAddGflops, note } or { gflops: null, note }.
 */
export function measureRelaxed(options = {}) {
  const flag = '--experimental-wasm-relaxed-simd';
  let both, where = 'this process';
  try {
    both = WebAssembly.validate(readFileSync(peakWasmPath('relaxed_madd'))) ? measurePeak(options)
      : (where = `child node ${flag}`, JSON.parse(execFileSync(process.execPath, [flag, fileURLToPath(import.meta.url), JSON.stringify(options)], { encoding: 'utf8' })));
  } catch (e) {
    return { gflops: null, note: `${where} failed: ${e.message.split('\n')[0]}` };
  }
  const { gflops, note } = both.relaxed_madd;
  if (gflops == null) return { gflops, note: `${where}: ${note}` };
  const mulAddGflops = both.mul_add.gflops;
  return { gflops, mulAddGflops, note: `${where}; ${(gflops / mulAddGflops).toFixed(2)}× mul+add (${mulAddGflops.toFixed(1)}) in the same rounds` };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(measurePeak(process.argv[2] ? JSON.parse(process.argv[2]) : {})));
}
