// Relaxed SIMD in bench:peers. Node 20 validates relaxed-SIMD wasm only with the V8 flag
// --experimental-wasm-relaxed-simd, which NODE_OPTIONS does not accept; so bench/peers.mjs re-runs
// itself with the flag (reexecWithRelaxedSimd) and every engine — this library's relaxed and plain
// SIMD builds, XNNPACK, ONNX Runtime — is timed in that one process, in the same interleaved rounds.
//
// The flag only lets V8 decode the relaxed opcodes; code without them compiles as before. Whether a
// peer could switch to a relaxed build because of it is checked, not assumed (peerRelaxedCheck):
// each wasm binary a peer package ships is validated in a child Node *without* the flag. A binary that
// validates there contains no relaxed-SIMD instruction, so the flag cannot change what it runs.
import { spawnSync, execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export const RELAXED_FLAG = '--experimental-wasm-relaxed-simd';

// () -> v128: f32x4.relaxed_madd(splat 1, splat 2, splat 3) (ORT's isRelaxedSimdSupported probes the same way with another relaxed opcode)
const PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 19, 1, 17, 0, 65, 1, 253, 15, 65, 2,
  253, 15, 65, 3, 253, 15, 253, 133, 2, 11,
]);

export function relaxedSimdValidates() {
  try { return WebAssembly.validate(PROBE); } catch { return false; }
}

/** This library's fastest single-thread backend here: relaxed SIMD where it validates, else SIMD. */
export function fastestWasmBackend() {
  return relaxedSimdValidates() ? 'wasm-relaxed-simd' : 'wasm-simd';
}

/**
 * If this runtime does not validate relaxed SIMD but would with the flag, runs this script again in
 * a child `node --experimental-wasm-relaxed-simd …` (same arguments, inherited stdio) and exits with
 * its status. Returns only when no re-run is needed or possible.
 */
export function reexecWithRelaxedSimd(script, argv) {
  if (relaxedSimdValidates() || process.execArgv.includes(RELAXED_FLAG)) return;
  try {
    execFileSync(process.execPath, [RELAXED_FLAG, '-e', `process.exit(WebAssembly.validate(new Uint8Array(${JSON.stringify([...PROBE])})) ? 0 : 1)`], { stdio: 'ignore' });
  } catch {
    return; // this Node doesn't know the flag, or relaxed SIMD stays off with it: the relaxed columns say n/a
  }
  // --expose-gc: bench/peers.mjs collects garbage before the threads' own rounds
  const child = spawnSync(process.execPath, [RELAXED_FLAG, '--expose-gc', ...process.execArgv, script, ...argv], { stdio: 'inherit' });
  process.exit(child.status ?? 1);
}

/** The binaries the peers load in Node: tfjs picks -simd (no threads under Node); ort.node.min.mjs imports ort-wasm-simd-threaded.mjs. */
const LOADED = new Set(['tfjs-backend-wasm-simd.wasm', 'ort-wasm-simd-threaded.wasm']);

/**
 * The wasm binaries shipped by the peers' packages, each validated in child Nodes without and with the
 * flag: one that fails without it and passes with it uses relaxed SIMD.
 */
export function peerRelaxedCheck() {
  const require = createRequire(import.meta.url);
  const dirs = {
    'tfjs-backend-wasm': dirname(require.resolve('@tensorflow/tfjs-backend-wasm')),
    'onnxruntime-web': join(dirname(require.resolve('onnxruntime-web')), '..', 'dist'),
  };
  const files = [];
  for (const [pkg, dir] of Object.entries(dirs)) {
    for (const f of readdirSync(dir)) if (f.endsWith('.wasm')) files.push({ pkg, file: f, path: join(dir, f), loaded: LOADED.has(f) });
  }
  const script = `const fs = require('fs'); console.log(JSON.stringify(${JSON.stringify(files.map((f) => f.path))}.map((p) => WebAssembly.validate(fs.readFileSync(p)))))`;
  const validate = (flags) => JSON.parse(execFileSync(process.execPath, [...flags, '-e', script], { encoding: 'utf8' }));
  let without, withFlag;
  try {
    without = validate([]);
    withFlag = validate([RELAXED_FLAG]);
  } catch (e) {
    return { ok: false, note: `could not check the peers' wasm binaries: ${e.message.split('\n')[0]}`, files: [] };
  }
  const out = files.map(({ pkg, file, loaded }, i) => ({ pkg, file, loaded, withoutFlag: without[i], withFlag: withFlag[i], relaxed: !without[i] && withFlag[i] }));
  const loaded = out.filter((f) => f.loaded);
  const relaxed = out.filter((f) => f.relaxed);
  const loadedRelaxed = loaded.filter((f) => f.relaxed || !f.withoutFlag);
  return {
    ok: loadedRelaxed.length === 0 && loaded.length === LOADED.size,
    files: out,
    note: (loadedRelaxed.length === 0
      ? `the binaries the peers load (${loaded.map((f) => f.file).join(', ')}) validate in Node without ${RELAXED_FLAG}: ` +
        'they contain no relaxed-SIMD instruction, so the flag does not change what XNNPACK or ONNX Runtime run; '
      : `CAUTION: ${loadedRelaxed.map((f) => f.file).join(', ')} do not validate without ${RELAXED_FLAG}: that peer's figures may be relaxed-SIMD figures; `) +
      (relaxed.length ? `relaxed-SIMD binaries shipped but not loaded: ${relaxed.filter((f) => !f.loaded).map((f) => f.file).join(', ') || 'none'}` : 'no peer binary needs the flag'),
  };
}
