/**
 * Memory discipline on every backend: repeated forward/backward with dispose() or scope() keeps
 * allocated bytes, live tensors and memory size flat, and growing wasm memory (which detaches the
 * old ArrayBuffer) leaves earlier tensors' contents and results intact.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { init, type Backend, type MemoryStats } from '../../bindings/index';
import { BACKENDS } from '../harness/backends';
import { randomArray, seededRandom } from '../harness/numeric';

const ITERATIONS = 200;
const geometry = { stride: 1, padding: 1 };

for (const backend of BACKENDS) {
  describe(`memory [${backend}]`, () => {
    let m: Backend;
    beforeAll(async () => {
      m = await init({ backend });
    });

    it(`${ITERATIONS} forward/backward calls with dispose/scope keep memory flat`, () => {
      const rand = seededRandom(3);
      const x = m.tensor(randomArray(2 * 3 * 8 * 8, rand), [2, 3, 8, 8]);
      const w = m.tensor(randomArray(4 * 3 * 3 * 3, rand), [4, 3, 3, 3]);
      const b = m.tensor(randomArray(4, rand), [4]);
      const fw = m.tensor(randomArray(5 * 4 * 64, rand), [5, 4 * 64]);
      const dyData = randomArray(2 * 4 * 8 * 8, rand);

      /** One training-like step; the tensors it creates are disposed by scope() or by hand. */
      const step = (useScope: boolean): void => {
        if (useScope) {
          m.scope(() => {
            const y = m.conv2d(x, w, { ...geometry, bias: b });
            const features = m.tensor(y.toFloat32Array(), [2, 4 * 64]);
            const z = m.linear(features, fw);
            m.linearBackward(features, fw, z); // z doubles as dz: only the bookkeeping matters here
            m.conv2dBackward(x, w, m.tensor(dyData, y.shape), { ...geometry, bias: true });
          });
          return;
        }
        const y = m.conv2d(x, w, { ...geometry, bias: b });
        const dy = m.tensor(dyData, y.shape);
        const g = m.conv2dBackward(x, w, dy, { ...geometry, bias: true });
        for (const t of [y, dy, g.dx, g.dw, g.db]) t?.dispose();
      };

      for (let i = 0; i < 4; i++) step(i % 2 === 0); // warm-up: let memory reach its working size
      const baseline: MemoryStats = m.memoryStats();
      const flat = (i: number) => {
        const now = m.memoryStats();
        expect(now.liveTensors, `live tensors after ${i} steps`).toBe(baseline.liveTensors);
        expect(now.allocatedBytes, `allocated bytes after ${i} steps`).toBe(baseline.allocatedBytes);
        expect(now.memoryBytes, `memory size after ${i} steps`).toBe(baseline.memoryBytes);
      };
      for (let i = 1; i <= ITERATIONS; i++) {
        step(i % 2 === 0);
        if (i % 50 === 0) flat(i);
      }

      // scope() keeps what it returns, and only that.
      const kept = m.scope(() => {
        m.zeros([10]);
        return { y: m.conv2d(x, w, geometry) };
      });
      expect(m.memoryStats().liveTensors).toBe(baseline.liveTensors + 1);
      expect(kept.y.isDisposed).toBe(false);
      kept.y.dispose();
      flat(ITERATIONS + 1);

      for (const t of [x, w, b, fw]) t.dispose();
      expect(m.memoryStats().liveTensors).toBe(baseline.liveTensors - 4);
    });

    it('memory growth keeps earlier tensors intact', () => {
      const rand = seededRandom(8);
      const xData = randomArray(1 * 3 * 8 * 8, rand);
      const x = m.tensor(xData, [1, 3, 8, 8]);
      const w = m.tensor(randomArray(2 * 3 * 3 * 3, rand), [2, 3, 3, 3]);
      const y = m.conv2d(x, w, geometry);
      const yBefore = y.toFloat32Array();
      const staleView = x.data;

      // Ask for more than the whole current memory: the wasm memory must grow (its buffer detaches).
      const before = m.memoryStats().memoryBytes;
      const big = m.zeros([Math.ceil(before / 4) + 4096]);
      expect(m.memoryStats().memoryBytes).toBeGreaterThan(before);
      const bigView = big.data;
      bigView[0] = 1;
      bigView[bigView.length - 1] = 2;

      expect(x.toFloat32Array()).toEqual(xData);
      expect(x.data).toEqual(xData); // a fresh view over the grown memory
      expect(y.toFloat32Array()).toEqual(yBefore);
      const again = m.conv2d(x, w, geometry);
      expect(again.toFloat32Array()).toEqual(yBefore);
      expect(big.data[big.size - 1]).toBe(2);
      if (backend !== 'js') expect(staleView.length, 'a view taken before growth is detached').toBe(0);

      for (const t of [x, w, y, big, again]) t.dispose();
    });
  });
}
