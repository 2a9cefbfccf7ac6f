// The command line the bench/train/ tools share (step_ratio.mjs, threads.mjs, step_model.mjs): --variants,
// --rounds, --backend and --batch, plus each tool's own options; numbers checked (a typo is an error
// naming the option, not a NaN that times nothing), variants checked against the workload's; Node 20
// re-run with the relaxed-SIMD flag (peers/relaxed.mjs) before any wasm is compiled.
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { fastestWasmBackend, reexecWithRelaxedSimd } from '../peers/relaxed.mjs';
import { VARIANTS, makeBatch } from './workload.mjs';

/**
 * scriptUrl: the tool's import.meta.url; rounds: its default round count; options: its own parseArgs
 * options. Returns { opt (every option's raw value), variants, rounds, backend, batch (the workload's
 * NCHW batch), count(name, min) (an integer option, checked), number(name, min) (a real one) }.
 */
export function trainToolArgs(scriptUrl, { rounds, options = {} }) {
  const script = basename(fileURLToPath(scriptUrl));
  const fail = (message) => { console.error(`${script}: ${message}`); process.exit(2); };
  let opt;
  try {
    ({ values: opt } = parseArgs({
      options: {
        variants: { type: 'string', default: VARIANTS.join(',') }, rounds: { type: 'string', default: String(rounds) },
        backend: { type: 'string' }, batch: { type: 'string', default: '64' }, ...options,
      },
    }));
  } catch (e) {
    fail(e.message);
  }
  const check = (name, min, integer) => {
    const n = Number(opt[name]);
    if (!(integer ? Number.isInteger(n) : Number.isFinite(n)) || n < min) {
      fail(`--${name} must be ${integer ? 'an integer' : 'a number'} ≥ ${min}, got '${opt[name]}'`);
    }
    return n;
  };
  const variants = opt.variants.split(',').map((v) => v.trim());
  for (const v of variants) if (!VARIANTS.includes(v)) fail(`unknown variant '${v}' (${VARIANTS.join(', ')})`);
  const batch = check('batch', 2, true);
  reexecWithRelaxedSimd(fileURLToPath(scriptUrl), process.argv.slice(2));
  return {
    opt, variants, rounds: check('rounds', 1, true), backend: opt.backend ?? fastestWasmBackend(), batch: makeBatch(batch).nchw,
    count: (name, min) => check(name, min, true), number: (name, min) => check(name, min, false),
  };
}
