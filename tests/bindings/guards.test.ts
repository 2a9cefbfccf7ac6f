/**
 * Out of memory at every allocation point (init({ debug: { failAllocation } }); CI samples about a
 * dozen points per op, DCD_FUZZ=long tries every one) and under a memory
 * cap (init({ maxMemoryBytes })): each op fails with OutOfMemoryError, leaks nothing and the same
 * instance then computes the same result as before. Plus the debug options' validation and leak
 * reports (when the runtime lets a test trigger garbage collection).
 */
import { describe, expect, it } from 'vitest';
import {
  init, OptionError, OutOfMemoryError, resolveDcdConfig, type Backend, type DcdDims, type Tensor,
} from '../../bindings/index';
import { dcdTensorSpecs } from '../../bindings/ops/dcd';
import { BACKENDS } from '../harness/backends';
import { LONG, FUZZ_TIMEOUT } from '../harness/fuzz';
import { randomArray, seededRandom } from '../harness/numeric';

/** it() with the long mode's timeout (tests/harness/fuzz.ts). */
const itLong = (name: string, body: () => Promise<void>) => it(name, body, FUZZ_TIMEOUT);


const WASM_BACKENDS = BACKENDS.filter((b) => b !== 'js');

/** An op under test: builds its inputs (outside the fault window) and runs; returns result arrays. */
interface OpCase {
  name: string;
  setup: (m: Backend) => (() => Float32Array[]);
}

const arr = (n: number, seed: number) => randomArray(n, seededRandom(seed));
const values = (...ts: (Tensor | undefined | null)[]) => ts.filter((t): t is Tensor => !!t).map((t) => t.toFloat32Array());

function dcdState(m: Backend, d: DcdDims) {
  return Object.fromEntries(dcdTensorSpecs(d).map((s, i) => {
    const n = s.shape.reduce((a, b) => a * b, 1);
    return [s.name, m.tensor(s.name.endsWith('running_var') ? new Float32Array(n).fill(1) : arr(n, 50 + i).map((v) => v * 0.3), s.shape)];
  }));
}

const OPS: OpCase[] = [
  { name: 'conv2d', setup: (m) => {
    const x = m.tensor(arr(2 * 3 * 9 * 9, 1), [2, 3, 9, 9]), w = m.tensor(arr(4 * 27, 2), [4, 3, 3, 3]), b = m.tensor(arr(4, 3), [4]);
    return () => values(m.conv2d(x, w, { padding: 1, stride: 2, bias: b }));
  } },
  { name: 'conv2dBackward', setup: (m) => {
    const x = m.tensor(arr(2 * 4 * 8 * 8, 4), [2, 4, 8, 8]), w = m.tensor(arr(6 * 4 * 9, 5), [6, 4, 3, 3]);
    const dy = m.tensor(arr(2 * 6 * 64, 6), [2, 6, 8, 8]);
    return () => { const g = m.conv2dBackward(x, w, dy, { padding: 1, bias: true }); return values(g.dx, g.dw, g.db); };
  } },
  { name: 'depthwise conv2dBackward', setup: (m) => {
    const x = m.tensor(arr(4 * 36, 7), [1, 4, 6, 6]), w = m.tensor(arr(4 * 9, 8), [4, 1, 3, 3]);
    const dy = m.tensor(arr(4 * 36, 9), [1, 4, 6, 6]);
    return () => { const g = m.conv2dBackward(x, w, dy, { padding: 1, groups: 4 }); return values(g.dx, g.dw); };
  } },
  { name: 'conv2d with extreme stride (gathered input)', setup: (m) => {
    const x = m.tensor(arr(2 * 25, 10), [1, 2, 5, 5]), w = m.tensor(arr(3 * 2 * 9, 11), [3, 2, 3, 3]);
    const dy = m.tensor(arr(3 * 5, 12), [1, 3, 5, 1]);
    const geometry = { padding: 1, stride: [1, 2 ** 31 - 1] as [number, number] };
    return () => { const y = m.conv2d(x, w, geometry); const g = m.conv2dBackward(x, w, dy, geometry); return values(y, g.dx, g.dw); };
  } },
  { name: 'linear + linearBackward', setup: (m) => {
    const x = m.tensor(arr(3 * 7, 13), [3, 7]), w = m.tensor(arr(5 * 7, 14), [5, 7]), dy = m.tensor(arr(15, 15), [3, 5]);
    return () => { const y = m.linear(x, w); const g = m.linearBackward(x, w, dy, { bias: true }); return values(y, g.dx, g.dw, g.db); };
  } },
  { name: 'dynamicConv2d + backward', setup: (m) => {
    const shapes: Record<string, number[]> = { weight: [3, 4, 2, 3, 3], bias: [3, 4], 'attention.fc1.weight': [4, 2],
      'attention.fc1.bias': [4], 'attention.fc2.weight': [3, 4], 'attention.fc2.bias': [3] };
    const state = Object.fromEntries(Object.entries(shapes).map(([k, s], i) => [k, m.tensor(arr(s.reduce((a, b) => a * b), 20 + i), s)]));
    const x = m.tensor(arr(2 * 2 * 36, 16), [2, 2, 6, 6]), dy = m.tensor(arr(2 * 4 * 36, 17), [2, 4, 6, 6]);
    const o = { padding: 1, temperature: 4 };
    return () => { const y = m.dynamicConv2d(x, state, o); const g = m.dynamicConv2dBackward(x, state, dy, o); return values(y, g.dx, ...Object.values(g.params)); };
  } },
  // CI: one DCD kind (each costs ~1 s: dozens of allocation points); DCD_FUZZ=long: both.
  ...(LONG ? ['conv_dy', 'conv_basic_dy'] as const : ['conv_dy'] as const).flatMap((kind) => [true, false].map((training): OpCase => ({
    name: `dcdForward + dcdBackward ${kind} ${training ? 'train' : 'eval'}`,
    setup: (m) => {
      const d = resolveDcdConfig(kind === 'conv_dy'
        ? { kind, inChannels: 16, outChannels: 8, kernelSize: 3, padding: 1, stride: 2 }
        : { kind, inChannels: 8, outChannels: 8 });
      const state = dcdState(m, d);
      const x = m.tensor(arr(2 * d.cin * 36, 30), [2, d.cin, 6, 6]);
      return () => {
        // Running statistics are updated in place: restore them so every run starts the same.
        const saved = Object.entries(state).filter(([k]) => k.includes('running')).map(([k, t]) => [k, t.toFloat32Array()] as const);
        try {
          const { y, cache } = m.dcdForward(d, state, x, { training });
          try {
            const g = m.dcdBackward(d, state, cache!, m.tensor(arr(y.size, 31), y.shape));
            return values(y, g.dx, ...Object.values(g.params));
          } finally {
            cache!.dispose();
          }
        } finally {
          for (const [k, v] of saved) state[k].data.set(v);
        }
      };
    },
  }))),
];

for (const backend of WASM_BACKENDS) {
  describe(`out of memory at every allocation point [${backend}]`, () => {
    for (const op of OPS) {
      itLong(op.name, async () => {
        let count = 0, failAt = -1;
        const m = await init({ backend, debug: { failAllocation: (n) => { count = n; return n === failAt; } } });
        m.scope(() => {
          const run = op.setup(m);
          const want = m.scope(run);
          const start = count;
          m.scope(run);
          const points = count - start; // allocations one call makes
          expect(points).toBeGreaterThan(0);
          // CI: about a dozen points spread over the call (always the first and the last); long: every one.
          const step = LONG ? 1 : Math.max(1, Math.floor(points / 12));
          for (let k = 1; k <= points; k = k === points ? points + 1 : Math.min(points, k + step)) {
            const before = m.memoryStats();
            failAt = count + k;
            expect(() => m.scope(run), `allocation ${k} of ${points}`).toThrow(OutOfMemoryError);
            failAt = -1;
            const after = m.memoryStats();
            expect(after.liveTensors, `live tensors after failing at ${k}`).toBe(before.liveTensors);
            expect(after.allocatedBytes, `bytes after failing at ${k}`).toBe(before.allocatedBytes);
            const got = m.scope(run);
            got.forEach((a, i) => expect(a, `${op.name}: result ${i} after failing at ${k}`).toEqual(want[i]));
          }
        });
      });
    }
  });

  describe(`memory cap [${backend}]`, () => {
    it('maxMemoryBytes: a tensor beyond the cap is an OutOfMemoryError naming it; smaller ones still work', async () => {
      const m = await init({ backend, maxMemoryBytes: 32 * 1024 * 1024 });
      expect(() => m.zeros([16 * 1024 * 1024])).toThrow(/maxMemoryBytes = 33554432/);
      const t = m.zeros([1024 * 1024]);
      expect(m.info().memoryBytes).toBeLessThanOrEqual(32 * 1024 * 1024);
      t.dispose();
      expect(m.memoryStats().liveTensors).toBe(0);
    });

    it('ops under a tight cap either succeed or throw OutOfMemoryError, leaking nothing', async () => {
      for (const megabytes of [2, 3, 4, 6, 8]) {
        const m = await init({ backend, maxMemoryBytes: megabytes * 1024 * 1024 });
        const base = m.memoryStats();
        for (const op of OPS) {
          try {
            m.scope(() => m.scope(op.setup(m)));
          } catch (e) {
            expect(e, `${op.name} under ${megabytes} MiB`).toBeInstanceOf(OutOfMemoryError);
          }
          expect(m.memoryStats().allocatedBytes).toBe(base.allocatedBytes);
          expect(m.memoryStats().liveTensors).toBe(base.liveTensors);
        }
      }
    });

    it('poisoned memory: results equal the clean instance bit for bit, with no NaN', async () => {
      const clean = await init({ backend });
      const poisoned = await init({ backend, debug: { poison: true } });
      for (const op of OPS) {
        const want = clean.scope(() => clean.scope(op.setup(clean)));
        const got = poisoned.scope(() => poisoned.scope(op.setup(poisoned)));
        got.forEach((a, i) => {
          expect(a.some(Number.isNaN), `${op.name}: result ${i} has NaN`).toBe(false);
          expect(a, `${op.name}: result ${i}`).toEqual(want[i]);
        });
      }
    });
  });
}

describe('init: maxMemoryBytes and debug are checked', () => {
  it('bad values are OptionErrors naming the option', async () => {
    await expect(init({ maxMemoryBytes: -1 })).rejects.toThrow(/maxMemoryBytes must be a number > 0/);
    await expect(init({ maxMemoryBytes: 'big' as unknown as number })).rejects.toThrow(OptionError);
    await expect(init({ debug: { leak: true } as never })).rejects.toThrow(/unknown option 'leak'/);
    await expect(init({ debug: { poison: 1 } as never })).rejects.toThrow(/debug.poison must be a boolean/);
    await expect(init({ debug: { failAllocation: 3 } as never })).rejects.toThrow(/debug.failAllocation must be a function/);
    await expect(init({ debug: 'yes' as never })).rejects.toThrow(OptionError);
  });

  const gc = (globalThis as { gc?: () => void }).gc;
  it.skipIf(typeof gc !== 'function')('debug.leaks reports a tensor collected without dispose() (needs --expose-gc)', async () => {
    for (const backend of BACKENDS) {
      const reports: string[] = [];
      const m = await init({ backend, debug: { leaks: (r) => reports.push(r) } });
      (() => { m.zeros([2, 3]); m.zeros([5]).dispose(); })();
      for (let i = 0; i < 20 && reports.length === 0; i++) {
        gc!();
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(reports.length, backend).toBe(1);
      expect(reports[0], backend).toMatch(/a tensor of shape \[2, 3\] was garbage-collected without dispose\(\)/);
    }
  });
});
