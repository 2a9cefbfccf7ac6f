/**
 * The worker's whole program, as source text: the bundle is a single file, so workers are started
 * from this string (Node: `new Worker(src, { eval: true })`; Deno, browsers: a Blob URL module
 * worker). It instantiates the threads build on the shared memory, says 'ready', then loops:
 * claim a part (control.ts), run it in its own workspace slice, count it done, sleep when idle.
 * Indices are spliced in from control.ts so the two sides cannot drift apart.
 */
import { ARGS, CLAIM, CONTROL_INTS, DONE, FAILED, FN, NARGS, PARTS, QUIT, READY, SPIN_LOADS, WS_BASE, WS_STRIDE } from './control';

const body = `
const node = typeof self === 'undefined';
const port = node ? require('node:worker_threads').parentPort : self;
function start({ module, memory, control, tid, kernels }) {
  let instance;
  try {
    instance = new WebAssembly.Instance(module, { env: { memory, abort() { throw new Error('kernel abort'); } } });
  } catch (e) {
    port.postMessage({ error: String(e && e.message || e) });
    return;
  }
  const ctl = new Int32Array(memory.buffer, control, ${CONTROL_INTS});
  const fns = kernels.map((name) => instance.exports[name]);
  Atomics.add(ctl, ${READY}, 1);
  port.postMessage({ ready: tid });
  for (;;) {
    if (Atomics.load(ctl, ${QUIT})) break;
    const word = Atomics.load(ctl, ${CLAIM});
    const left = word & 0xfff;
    if (left === 0) {
      // spinning catches the next op without the cost of a wake-up (control.ts SPIN_LOADS)
      let spins = ${SPIN_LOADS};
      while (spins-- > 0 && Atomics.load(ctl, ${CLAIM}) === word) {}
      if (spins < 0) Atomics.wait(ctl, ${CLAIM}, word);
      continue;
    }
    if (Atomics.compareExchange(ctl, ${CLAIM}, word, word - 1) !== word) continue;
    const parts = ctl[${PARTS}];
    const args = Array.from(ctl.subarray(${ARGS}, ${ARGS} + ctl[${NARGS}]));
    try {
      fns[ctl[${FN}]](...args, ctl[${WS_BASE}] + tid * ctl[${WS_STRIDE}], left - 1, parts);
    } catch (e) {
      Atomics.store(ctl, ${FAILED}, 1);
    }
    if (Atomics.add(ctl, ${DONE}, 1) + 1 === parts) Atomics.notify(ctl, ${DONE});
  }
  if (!node) self.close();
}
if (node) port.once('message', start); else self.onmessage = (e) => start(e.data);
`;

export const WORKER_SOURCE: string = body;
