/**
 * The module tree (bindings/nn): dotted names in PyTorch's state_dict order, strict loading that
 * reports every problem at once, recursive train()/eval(), gradients that accumulate until zeroGrad(),
 * ownership that survives scope(), and finite-difference gradients of a small network built from the
 * smooth pieces (Conv2d, BatchNorm2d, Sigmoid, AvgPool2d, AdaptiveAvgPool2d, Flatten, Linear) on every backend (BatchNorm1d, ReLU, max pooling: alone in nn_ops.test.ts).
 */
import { describe, expect, it } from 'vitest';
import {
  AdaptiveAvgPool2d, AvgPool2d, BatchNorm1d, BatchNorm2d, Conv2d, DCDBasicConv2d, Flatten, Hardsigmoid, Linear, MaxPool2d,
  ReLU, ReLU6, Sequential, Sigmoid, StateDictError, StateDictLoadError, calibrateBatchNorm, init, type Backend, type Module,
} from '../../bindings/index';
import { BACKENDS } from '../harness/backends';
import { randomArray, seededRandom } from '../harness/numeric';
import { expectLayerGradients, expectLayerNegativeControls, layerProblem } from './helpers/gradcheck';

function smallNet(m: Backend): Sequential {
  return new Sequential(m, [
    // No bias before a train-mode BatchNorm: its gradient is zero by construction (spec, pitfalls).
    new Conv2d(m, { inChannels: 3, outChannels: 4, kernelSize: 3, padding: 1, bias: false, seed: 1 }),
    new BatchNorm2d(m, { numFeatures: 4 }),
    // Only smooth pieces here: train-mode BatchNorm couples every value, so a perturbation moves all of
    // them, and some ReLU kink or max-pool argmax switch within ε becomes likely (measured: 4–20%
    // errors in single directions). Finite differences across a kink are meaningless; ReLU and max
    // pooling are checked alone in nn_ops.test.ts and inside whole networks against PyTorch.
    new Sigmoid(m),
    new AvgPool2d(m, { kernelSize: 3, stride: 2, padding: 1 }),
    new Sequential(m, [new Conv2d(m, { inChannels: 4, outChannels: 6, kernelSize: 3, padding: 1, seed: 2 }), new Sigmoid(m)]),
    new AdaptiveAvgPool2d(m, 2),
    new Flatten(m),
    new Linear(m, { inFeatures: 24, outFeatures: 5, seed: 3 }),
    // (A BatchNorm1d over this 4-sample batch would make the loss too curved for finite differences.)
  ]);
}

describe('module tree', () => {
  it('MaxPool2d / ReLU / ReLU6 modules round-trip through a Sequential (no state)', async () => {
    const m = await init({ backend: 'js' });
    const net = new Sequential(m, [new MaxPool2d(m, { kernelSize: 3, stride: 2, padding: 1 }), new ReLU(m), new Hardsigmoid(m), new ReLU6(m)]);
    const x = m.tensor([-1, 2, 7, 3], [1, 1, 2, 2]);
    const y = net.forward(x);
    expect([...y.data]).toEqual([1]); // hardsigmoid(7) = relu6(10) / 6
    const dx = net.backward(m.tensor([1], [1, 1, 1, 1]));
    expect([...dx.data]).toEqual([0, 0, 0, 0]); // Hardsigmoid is flat at 7
    expect(Object.keys(net.stateDict())).toEqual([]);
    net.dispose();
  });

  it('dotted names in PyTorch state_dict order; parameters vs buffers; numParameters', async () => {
    const m = await init({ backend: 'js' });
    const net = smallNet(m);
    expect(Object.keys(net.stateDict())).toEqual([
      '0.weight', '1.weight', '1.bias', '1.running_mean', '1.running_var', '4.0.weight', '4.0.bias',
      '7.weight', '7.bias',
    ]);
    expect(net.namedParameters().map(([n]) => n)).toEqual(['0.weight', '1.weight', '1.bias', '4.0.weight', '4.0.bias', '7.weight', '7.bias']);
    expect(net.namedBuffers().map(([n]) => n)).toEqual(['1.running_mean', '1.running_var']);
    expect(net.numParameters()).toBe(4 * 27 + 8 + 6 * 36 + 6 + 5 * 24 + 5);
    expect(net.module('4.0')).toBeInstanceOf(Conv2d);
    net.dispose();
    expect(m.info().liveTensors).toBe(0);
  });

  it('loadStateDict reports missing, unexpected and mis-shaped keys at once and changes nothing', async () => {
    const m = await init({ backend: 'js' });
    const net = smallNet(m);
    const before = net.stateDict();
    const sd: Record<string, { shape: number[]; data: Float32Array }> = { ...before };
    delete sd['7.bias'];
    sd['extra.weight'] = { shape: [1], data: new Float32Array(1) };
    sd['0.weight'] = { shape: [4, 3, 3, 2], data: new Float32Array(72) };
    sd['1.num_batches_tracked'] = { shape: [], data: new Float32Array([3]) };
    sd['1.bias'] = { shape: [4], data: new Float32Array([9, 9, 9, 9]) };
    let error: unknown;
    try { net.loadStateDict(sd); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(StateDictError);
    const e = error as StateDictLoadError;
    expect(e.missing).toEqual(['7.bias']);
    expect(e.unexpected).toEqual(['extra.weight']);
    expect(e.mismatched).toEqual(['0.weight: expected shape [4, 3, 3, 3], got [4, 3, 3, 2]']);
    expect(e.message).toMatch(/missing keys: 7\.bias.*unexpected keys: extra\.weight/);
    expect(net.stateDict()['1.bias'].data).toEqual(before['1.bias'].data);
    // strict: false ignores missing and unexpected keys, never a wrong shape.
    delete sd['0.weight'];
    net.loadStateDict(sd, { strict: false });
    expect([...net.stateDict()['1.bias'].data]).toEqual([9, 9, 9, 9]);
    expect(() => net.loadStateDict(sd, { strcit: false } as never)).toThrow(/unknown option 'strcit'/);
    net.dispose();
  });

  it('calibrateBatchNorm: running statistics = one batch\'s (unbiased variance); momentum and modes restored', async () => {
    const m = await init({ backend: 'js' });
    const bn = new BatchNorm2d(m, { numFeatures: 1, momentum: 0.3 });
    const net = new Sequential(m, [bn, new DCDBasicConv2d(m, { inChannels: 1, outChannels: 2 })]).eval();
    net.train(true);
    bn.eval(); // a mixed tree: the BatchNorm frozen, the rest training
    const x = m.tensor([1, 2, 3, 6], [1, 1, 2, 2]);
    calibrateBatchNorm(net, x);
    x.dispose();
    expect(Array.from(bn.bnState.runningMean!.data)).toEqual([3]);
    expect(bn.bnState.runningVar!.data[0]).toBeCloseTo(14 / 3, 5); // Σ(x − 3)² / (4 − 1)
    expect(bn.momentum).toBe(0.3);
    expect([net.training, bn.training, net.at(1)!.training]).toEqual([true, false, true]);
    expect(m.info().liveTensors).toBe(net.namedState().length); // the forward's activations were freed
    net.dispose();
  });

  it('train()/eval() reach every descendant', async () => {
    const m = await init({ backend: 'js' });
    const net = smallNet(m);
    net.eval();
    expect(net.namedModules().every(([, mod]) => !mod.training)).toBe(true);
    net.train();
    expect(net.namedModules().every(([, mod]) => mod.training)).toBe(true);
    net.dispose();
  });

  for (const backend of BACKENDS) {
    describe(backend, () => {
      it('gradients accumulate until zeroGrad(), and parameters and gradients survive scope()', async () => {
        const m = await init({ backend });
        const net = m.scope(() => smallNet(m));
        const x = randomArray(2 * 3 * 8 * 8, seededRandom(5));
        const step = () => m.scope(() => {
          const y = net.forward(m.tensor(x, [2, 3, 8, 8]));
          net.backward(m.tensor(new Float32Array(y.size).fill(1), y.shape));
        });
        const sd = net.stateDict();
        step();
        const once = Object.fromEntries(Object.entries(net.grads()).map(([k, g]) => [k, g.toFloat32Array()]));
        expect(Object.keys(once)).toEqual(net.namedParameters().map(([n]) => n));
        net.loadStateDict(sd); // the same running statistics for the second step
        step();
        for (const [name, g] of Object.entries(net.grads())) {
          expect(g.isDisposed, name).toBe(false);
          const twice = g.toFloat32Array();
          for (let i = 0; i < twice.length; i++) expect(twice[i]).toBeCloseTo(2 * once[name][i], 4);
        }
        net.zeroGrad();
        expect(net.grads()).toEqual({});
        expect(net.parameters().every((p) => !p.isDisposed)).toBe(true);
        net.dispose();
        expect(m.info().liveTensors).toBe(0);
      });

      it('a small network of every piece: finite-difference gradients of x and every parameter', async () => {
        const m = await init({ backend });
        const net = smallNet(m);
        const rand = seededRandom(12);
        // Batch 4: a train-mode BatchNorm1d over 2 samples maps every pair to ±1 (a flat loss).
        const x = randomArray(4 * 3 * 8 * 8, rand);
        const pr = layerProblem(m, net, x, [4, 3, 8, 8], rand);
        // Pooling and ReLU kinks make finite differences noisier than smooth layers.
        const opts = { rtol: 2e-2 };
        expectLayerGradients(`${backend} small net`, pr, rand, opts);
        expectLayerNegativeControls(`${backend} small net`, pr, '4.0.weight', rand, opts);
        net.dispose();
        expect(m.info().liveTensors).toBe(0);
      });

      it('a DCD module inside Sequential, trained inside scope(), keeps its state', async () => {
        const m = await init({ backend });
        const net = m.scope(() => new Sequential(m, [new DCDBasicConv2d(m, { inChannels: 4, outChannels: 8, stride: 2 }), new BatchNorm2d(m, { numFeatures: 8 })]));
        m.scope(() => {
          const y = net.forward(m.tensor(randomArray(2 * 4 * 6 * 6, seededRandom(2)), [2, 4, 6, 6]));
          net.backward(m.tensor(new Float32Array(y.size).fill(0.5), y.shape));
        });
        expect(Object.keys(net.grads()).length).toBe(net.namedParameters().length);
        expect(() => net.stateDict()).not.toThrow();
        net.dispose();
        expect(m.info().liveTensors).toBe(0);
      });
    });
  }
});
void (null as unknown as Module);
