/**
 * Soak: many forward + backward calls (conv2d and a DCD layer op, train mode) stay flat in linear
 * memory, allocated bytes and live tensors — and, where the runtime exposes it (Node with
 * --expose-gc), in JS heap. CI: a few hundred calls; DCD_FUZZ=long: 10 000.
 */
import { describe, expect, it } from 'vitest';
import { init, resolveDcdConfig } from '../../bindings/index';
import { dcdTensorSpecs } from '../../bindings/ops/dcd';
import { BACKENDS } from '../harness/backends';
import { fuzzCount, FUZZ_TIMEOUT } from '../harness/fuzz';
import { randomArray, seededRandom } from '../harness/numeric';

/** it() with the long mode's timeout (tests/harness/fuzz.ts). */
const itLong = (name: string, body: () => Promise<void>) => it(name, body, FUZZ_TIMEOUT);


const CALLS = fuzzCount(150, 10_000);
const nodeProcess = (globalThis as { process?: { memoryUsage?: () => { heapUsed: number } } }).process;
const gc = (globalThis as { gc?: () => void }).gc;

describe(`soak: ${CALLS} forward + backward calls`, () => {
  for (const backend of BACKENDS) {
    itLong(backend, async () => {
      const m = await init({ backend });
      const rand = seededRandom(77);
      const d = resolveDcdConfig({ kind: 'conv_dy', inChannels: 16, outChannels: 16, kernelSize: 3, padding: 1 });
      const state = Object.fromEntries(dcdTensorSpecs(d).map((s) => [s.name,
        m.tensor(s.name.endsWith('running_var') ? new Float32Array(s.shape[0]).fill(1)
          : randomArray(s.shape.reduce((a, b) => a * b, 1), rand).map((v) => 0.3 * v), s.shape)]));
      const x = m.tensor(randomArray(2 * 16 * 36, rand), [2, 16, 6, 6]);
      const w = m.tensor(randomArray(8 * 16 * 9, rand), [8, 16, 3, 3]);
      const step = () => m.scope(() => {
        const y = m.conv2d(x, w, { padding: 1 });
        m.conv2dBackward(x, w, y, { padding: 1 });
        const r = m.dcdForward(d, state, x, { training: true });
        m.dcdBackward(d, state, r.cache!, r.y);
        r.cache!.dispose();
      });
      for (let i = 0; i < 10; i++) step();
      const base = m.memoryStats();
      gc?.();
      const heap0 = nodeProcess?.memoryUsage?.().heapUsed;
      for (let i = 0; i < CALLS; i++) {
        step();
        if (i % 100 === 0 || i === CALLS - 1) {
          const now = m.memoryStats();
          expect(now.liveTensors, `call ${i}`).toBe(base.liveTensors);
          expect(now.allocatedBytes, `call ${i}`).toBe(base.allocatedBytes);
          expect(now.memoryBytes, `call ${i}`).toBe(base.memoryBytes);
        }
      }
      if (gc && heap0 !== undefined) {
        gc();
        const grown = nodeProcess!.memoryUsage!().heapUsed - heap0;
        expect(grown, `JS heap grew by ${grown} bytes over ${CALLS} calls`).toBeLessThan(8 * 1024 * 1024);
      }
    });
  }
});
