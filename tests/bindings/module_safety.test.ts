/**
 * Issue 13's defects of the layer/module edge, each with a regression test, on every backend:
 * constructors validate up front (kernelSize, geometry, the options object, seed, the backend argument)
 * with typed errors; a constructor that runs out of memory part-way frees everything it took;
 * loadStateDict rejects malformed entries and unknown options and accepts Float64Array data;
 * modules keep their tensors when built inside scope().
 */
import { describe, expect, it } from 'vitest';
import {
  Conv2d, DCDConv2d, DYModule, DynamicConv2d, OptionError, OutOfMemoryError, StateDictError, init, resnet18_dcd,
} from '../../bindings/index';
import { BACKENDS } from '../harness/backends';

for (const backend of BACKENDS) {
  describe(`module edge cases [${backend}]`, () => {
    it('constructors name the bad option before allocating anything', async () => {
      const m = await init({ backend });
      expect(() => new DynamicConv2d(m, { inChannels: 4, outChannels: 4 } as never)).toThrow(/kernelSize is required/);
      expect(() => new DynamicConv2d(m, { inChannels: 4, outChannels: 4, kernelSize: 3, stride: 0 })).toThrow(OptionError);
      expect(() => new DynamicConv2d(m, { inChannels: 4, outChannels: 4, kernelSize: 3, stride: 2, padding: 'same' })).toThrow(/'same' needs stride 1/);
      expect(() => new DynamicConv2d(null as never, { inChannels: 4, outChannels: 4, kernelSize: 3 })).toThrow(OptionError);
      expect(() => new DYModule(m, undefined as never)).toThrow(/DYModule: options must be an object/);
      expect(() => new DCDConv2d(m, { inChannels: 8, outChannels: 8, kernelSize: 3, padding: 1, seed: 'abc' as never })).toThrow(/seed must be an integer/);
      expect(() => new DCDConv2d(m, { inChannels: 8, outChannels: 8, kernelSize: 3, padding: 1, seed: -5 })).toThrow(/seed must be an integer/);
      expect(() => new Conv2d(m, { inChannels: 3, outChannels: 4 } as never)).toThrow(/kernelSize is required/);
      expect(() => resnet18_dcd(m, { numClases: 10 } as never)).toThrow(/unknown option 'numClases'/);
      expect(m.info().liveTensors).toBe(0);
    });

    it('a constructor out of memory part-way frees what it made (DCDConv2d 256→256, every allocation point)', async () => {
      let count = 0, failAt = -1;
      const m = await init({ backend, debug: { failAllocation: (n) => { count = n; return n === failAt; } } });
      const make = () => new DCDConv2d(m, { inChannels: 256, outChannels: 256, kernelSize: 3, padding: 1 });
      const start = count;
      make().dispose();
      const points = count - start;
      // The js backend allocates plain arrays (no allocation points): nothing to inject there.
      if (backend === 'js') return;
      expect(points).toBeGreaterThan(10);
      for (let k = 1; k <= points; k++) {
        const before = m.memoryStats();
        failAt = count + k;
        expect(make, `allocation ${k} of ${points}`).toThrow(OutOfMemoryError);
        failAt = -1;
        expect(m.memoryStats().liveTensors, `allocation ${k}`).toBe(before.liveTensors);
        expect(m.memoryStats().allocatedBytes, `allocation ${k}`).toBe(before.allocatedBytes);
      }
      make().dispose(); // still works
    });

    it('loadStateDict: malformed data and unknown options are typed errors; Float64Array data loads', async () => {
      const m = await init({ backend });
      const conv = new Conv2d(m, { inChannels: 1, outChannels: 2, kernelSize: 1 });
      expect(() => conv.loadStateDict({ weight: { shape: [2, 1, 1, 1], data: ['abc', null] as never }, bias: { shape: [2], data: [0, 0] } }))
        .toThrow(StateDictError);
      expect(() => conv.loadStateDict({ weight: { shape: ['a', 1, 1, 1] as never, data: [1, 2] }, bias: { shape: [2], data: [0, 0] } }))
        .toThrow(/shape must be an array of non-negative integers/);
      expect(() => conv.loadStateDict(conv.stateDict(), { strcit: false } as never)).toThrow(/unknown option 'strcit'/);
      conv.loadStateDict({ weight: { shape: [2, 1, 1, 1], data: Float64Array.from([0.5, -2]) as never }, bias: { shape: [2], data: [1, 2] } });
      expect(Array.from(conv.weight.data)).toEqual([0.5, -2]);
      conv.dispose();
      expect(m.info().liveTensors).toBe(0);
    });

    it('a network built inside scope() keeps its parameters and buffers', async () => {
      const m = await init({ backend });
      const net = m.scope(() => resnet18_dcd(m, { numClasses: 10 }));
      expect(net.namedState().every(([, t]) => !t.isDisposed)).toBe(true);
      net.dispose();
      expect(m.info().liveTensors).toBe(0);
    });
  });
}
