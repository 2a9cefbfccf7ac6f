/**
 * bindings/train/optim.ts on every backend: SGD (plain, momentum + dampening, Nesterov + weight
 * decay) and AdamW (defaults, weight decay, amsgrad) for 3 steps against torch.optim (fixtures
 * optim.json, a parameter skipped on one step), clipGradNorm against clip_grad_norm_, state dicts
 * (a resumed optimiser continues bit-identically), typed errors.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import optimJson from '../fixtures/optim.json' with { type: 'json' };
import { asFixtureFile, decodeTensors, type DecodedTensor } from '../fixtures/decode';
import { DTypeError, init, trainingOps, type Backend } from '../../bindings/index';
import { NonFiniteError, OptionError, StateDictError } from '../../bindings/errors';
import { AdamW, clipGradNorm, SGD, type Optimizer } from '../../bindings/train/optim';
import type { ParameterEntry } from '../../bindings/train/types';
import { BACKENDS } from '../harness/backends';
import { expectAllClose, randomArray, seededRandom, type Tolerance } from '../harness/numeric';

interface OptimFixtureOptions {
  type?: 'SGD' | 'AdamW';
  lr?: number; momentum?: number; dampening?: number; nesterov?: boolean; weightDecay?: number;
  betas?: [number, number]; eps?: number; amsgrad?: boolean;
  stateSteps?: Record<string, number>;
  maxNorm?: number; totalNorm?: number;
}

const cases = asFixtureFile<OptimFixtureOptions>(optimJson).cases;
const NAMES = ['a', 'b', 'c'];
const STEPS = 3;
/** The bound: 1e-6 of the largest magnitude (PyTorch fuses a·b + c; the SIMD/scalar builds round twice). */
const VS_TORCH: Tolerance = { rtol: 1e-6, atol: 0 };

function makeOptimizer(m: Backend, entries: ParameterEntry[], o: OptimFixtureOptions): Optimizer {
  if (o.type === 'SGD') {
    return new SGD(m, entries, { lr: o.lr!, momentum: o.momentum, dampening: o.dampening, nesterov: o.nesterov, weightDecay: o.weightDecay });
  }
  return new AdamW(m, entries, { lr: o.lr, betas: o.betas, eps: o.eps, weightDecay: o.weightDecay, amsgrad: o.amsgrad });
}

function entriesFrom(m: Backend, t: Record<string, DecodedTensor>): ParameterEntry[] {
  return NAMES.map((name) => ({ name, value: m.tensor(t[`param.${name}`].data, t[`param.${name}`].shape), grad: null }));
}

function setGrads(m: Backend, entries: ParameterEntry[], t: Record<string, DecodedTensor>, step: number): void {
  for (const e of entries) {
    e.grad?.dispose();
    const g = t[`grad.${step}.${e.name}`];
    e.grad = g ? m.tensor(g.data, g.shape) : null;
  }
}

for (const backend of BACKENDS) {
  describe(`optimisers [${backend}]`, () => {
    let m: Backend;
    beforeAll(async () => {
      m = await init({ backend });
    });

    describe('match torch.optim (3 steps; c has no gradient on step 1)', () => {
      for (const fc of cases.filter((c) => c.op === 'optimizer')) {
        it(fc.name, () => {
          const t = decodeTensors(fc);
          const entries = entriesFrom(m, t);
          const opt = makeOptimizer(m, entries, fc.options);
          for (let step = 0; step < STEPS; step++) {
            setGrads(m, entries, t, step);
            opt.step();
            for (const e of entries) {
              expectAllClose(e.value.toFloat32Array(), t[`after.${step}.${e.name}`].data, VS_TORCH, `${fc.name} step ${step} ${e.name}`);
            }
          }
          const state = opt.stateDict();
          expect(state.steps).toBe(STEPS);
          for (const name of NAMES) {
            const keys = Object.keys(t).filter((k) => k.startsWith(`state.${name}.`)).map((k) => k.slice(`state.${name}.`.length));
            expect(Object.keys(state.state[name]?.tensors ?? {}).sort(), `${fc.name} ${name} state names`).toEqual(keys.sort());
            for (const key of keys) {
              expectAllClose(state.state[name].tensors[key].data, t[`state.${name}.${key}`].data, VS_TORCH, `${fc.name} state ${name}.${key}`);
            }
            if (fc.options.stateSteps) expect(state.state[name].step).toBe(fc.options.stateSteps[name]);
          }
          opt.dispose();
          for (const e of entries) { e.value.dispose(); e.grad?.dispose(); }
        });
      }
    });

    it('a resumed optimiser continues bit-identically (stateDict → new optimiser → loadStateDict)', () => {
      const rand = seededRandom(11);
      const shapes = [[5], [3, 7]];
      const init0 = shapes.map((s) => randomArray(s.reduce((a, b) => a * b, 1), rand));
      const grads = [0, 1, 2, 3].map(() => shapes.map((s) => randomArray(s.reduce((a, b) => a * b, 1), rand)));
      const run = (make: (e: ParameterEntry[]) => Optimizer, resumeAt: number | null) => {
        let entries: ParameterEntry[] = shapes.map((s, i) => ({ name: `p${i}`, value: m.tensor(init0[i], s), grad: null }));
        let opt = make(entries);
        for (let step = 0; step < 4; step++) {
          if (step === resumeAt) {
            const saved = opt.stateDict();
            const values = entries.map((e) => ({ shape: [...e.value.shape], data: e.value.toFloat32Array() }));
            opt.dispose();
            for (const e of entries) e.value.dispose();
            entries = values.map((v, i) => ({ name: `p${i}`, value: m.tensor(v.data, v.shape), grad: null }));
            opt = make(entries);
            opt.loadStateDict(JSON.parse(JSON.stringify(saved, (_k, v) => (v instanceof Float32Array ? Array.from(v) : v)),
              (_k, v) => (Array.isArray(v) && _k === 'data' ? new Float32Array(v) : v)));
          }
          opt.zeroGrad();
          entries.forEach((e, i) => { e.grad = m.tensor(grads[step][i], shapes[i]); });
          opt.lr = 0.01 * (step + 1);
          opt.step();
        }
        const out = entries.map((e) => e.value.toFloat32Array());
        opt.zeroGrad();
        opt.dispose();
        for (const e of entries) e.value.dispose();
        return out;
      };
      for (const make of [
        (e: ParameterEntry[]) => new SGD(m, e, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4 }),
        (e: ParameterEntry[]) => new AdamW(m, e, { weightDecay: 0.05, amsgrad: true }),
      ]) {
        const straight = run(make, null);
        const resumed = run(make, 2);
        straight.forEach((v, i) => expect(Array.from(resumed[i])).toEqual(Array.from(v)));
      }
    });

    describe('clipGradNorm matches clip_grad_norm_', () => {
      for (const fc of cases.filter((c) => c.op === 'clipGradNorm')) {
        it(fc.name, () => {
          const t = decodeTensors(fc);
          const entries: ParameterEntry[] = NAMES.map((name) => ({
            name, value: m.zeros(t[`grad.${name}`].shape), grad: m.tensor(t[`grad.${name}`].data, t[`grad.${name}`].shape),
          }));
          const total = clipGradNorm(m, entries, fc.options.maxNorm!);
          expect(Math.abs(total - fc.options.totalNorm!)).toBeLessThanOrEqual(2e-6 * fc.options.totalNorm!);
          for (const e of entries) expectAllClose(e.grad!.toFloat32Array(), t[`clipped.${e.name}`].data, VS_TORCH, `${fc.name} ${e.name}`);
          for (const e of entries) { e.value.dispose(); e.grad?.dispose(); }
        });
      }
    });

    it('typed errors: bad lr, bad options, non-finite gradients (opt-in), foreign state dicts', () => {
      m.scope(() => {
        const entry: ParameterEntry = { name: 'w', value: m.tensor([1, 2, 3], [3]), grad: m.tensor([0.1, NaN, 0.3], [3]) };
        expect(() => new SGD(m, [entry], { lr: -0.1 })).toThrow(OptionError);
        expect(() => new SGD(m, [entry], { lr: NaN })).toThrow(/lr must be a number/);
        expect(() => new AdamW(m, [entry], { lr: Infinity })).toThrow(OptionError);
        expect(() => new SGD(m, [entry], { lr: 0.1, nesterov: true })).toThrow(/Nesterov momentum requires/);
        expect(() => new AdamW(m, [entry], { betas: [0.9, 1] })).toThrow(/betas\[1\]/);
        expect(() => new SGD(m, [entry, entry], { lr: 0.1 })).toThrow(/repeats the parameter name 'w'/);
        expect(() => new SGD(m, [entry], { lr: 0.1, mom: 0.9 } as never)).toThrow(/unknown option 'mom'/);
        const opt = new SGD(m, [entry], { lr: 0.1, momentum: 0.9, checkFinite: true });
        expect(() => { opt.lr = -1; }).toThrow(OptionError);
        expect(() => opt.step()).toThrow(NonFiniteError);
        expect(() => opt.step()).toThrow(/gradient of 'w' holds NaN/);
        expect(Array.from(entry.value.toFloat32Array())).toEqual([1, 2, 3]); // nothing was updated
        entry.grad!.dispose();
        entry.grad = m.tensor([1, 1], [2]);
        expect(() => opt.step()).toThrow(/has shape \[2\], the parameter \[3\]/);
        entry.grad = null;
        opt.step(); // no gradient: skipped, as PyTorch
        expect(Array.from(entry.value.toFloat32Array())).toEqual([1, 2, 3]);
        expect(() => opt.loadStateDict({ type: 'AdamW', hyper: {}, steps: 0, state: {} })).toThrow(StateDictError);
        expect(() => opt.loadStateDict({ type: 'SGD', hyper: {}, steps: 0, state: { v: { step: 1, tensors: {} } } }))
          .toThrow(/'v', which is not one of/);
        expect(() => opt.loadStateDict({
          type: 'SGD', hyper: {}, steps: 1, state: { w: { step: 1, tensors: { momentum_buffer: { shape: [2], data: new Float32Array(2) } } } },
        })).toThrow(/'w.momentum_buffer' has shape \[2\]/);
        expect(() => clipGradNorm(m, [{ name: 'x', value: entry.value, grad: m.tensor([Infinity], [1]) }], 1, { errorIfNonfinite: true }))
          .toThrow(NonFiniteError);
        opt.dispose();
      });
    });

    it('ops: sgdStep rejects mismatched state shapes and a missing momentum buffer', () => {
      m.scope(() => {
        const p = m.zeros([4]);
        const g = m.zeros([4]);
        const ops = trainingOps(p); // the kernels of p's backend (not Backend methods: see train/kernels.ts)
        expect(() => ops.sgdStep(p, m.zeros([3]), null, { lr: 0.1 })).toThrow(/grad must have shape \[4\]/);
        expect(() => ops.sgdStep(p, g, null, { lr: 0.1, momentum: 0.9 })).toThrow(/momentumBuffer must be a Tensor/);
        expect(() => ops.adamwStep(p, g, m.zeros([4]), m.zeros([4]), null, { lr: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0, step: 0 }))
          .toThrow(/step must be an integer >= 1/);
        expect(ops.sumSquares(m.tensor([1, 2, 3, 4, 5, 6], [6]))).toBe(91);
        expect(trainingOps(g)).toBe(ops); // built once per backend
        expect(() => trainingOps({ shape: [4] })).toThrow(DTypeError);
      });
    });
  });
}
