/**
 * One full training step of the DCD small CNN equals PyTorch's (tests/fixtures/train_step.json, from
 * tools/bench_train_torch.py --fixture): same weights (the hash formula), same batch and labels, BatchNorm
 * calibrated the same way; forward in training mode, cross-entropy with label smoothing 0.1, backward,
 * then one optimiser step — SGD (momentum 0.9, Nesterov, weight decay 5e-4) and AdamW — and every
 * gradient, updated parameter and running statistic is compared through the fixture's summaries.
 */
import { describe, expect, it } from 'vitest';
import trainStepJson from '../fixtures/train_step.json' with { type: 'json' };
import { asTrainStepFixture, type TensorSummary } from '../fixtures/train_step';
import { gradSummary, hashInput } from '../fixtures/networks';
import { AdamW, SGD, crossEntropy, init, smallCnn, type Backend, type Optimizer } from '../../bindings/index';
import { BACKENDS } from '../harness/backends';
import { calibrate, loadHashWeights } from './helpers/networks';

const fixture = asTrainStepFixture(trainStepJson);

/** Updated weights and running statistics within 1e-4 of each tensor's largest value (the bound). */
const RTOL = 1e-4;

function expectSummary(got: TensorSummary, want: TensorSummary, n: number, label: string, tol: number): void {
  const spread = tol * Math.sqrt(n); // n rounding errors of random sign in a sum
  expect(Math.abs(got.maxAbs - want.maxAbs), `${label}: max |·|`).toBeLessThanOrEqual(tol);
  expect(Math.abs(got.norm2 - want.norm2), `${label}: ‖·‖₂`).toBeLessThanOrEqual(spread);
  expect(Math.abs(got.dot - want.dot), `${label}: projection`).toBeLessThanOrEqual(spread);
  got.samples.forEach(([i, v], j) => {
    expect(i).toBe(want.samples[j][0]);
    expect(Math.abs(v - want.samples[j][1]), `${label}: entry ${i}`).toBeLessThanOrEqual(tol);
  });
}

function step(m: Backend, which: 'sgd' | 'adamw') {
  const net = smallCnn(m, { variant: 'dcd' });
  loadHashWeights(net);
  calibrate(m, net, fixture.batch);
  net.train();
  const entries = net.parameterEntries();
  const opt: Optimizer = which === 'sgd'
    ? new SGD(m, entries, { ...fixture.sgd })
    : new AdamW(m, entries, { ...fixture.adamw });
  const result = m.scope(() => {
    const x = m.tensor(hashInput('input.train', fixture.batch), fixture.batch);
    const logits = net.forward(x);
    const { loss, grad } = crossEntropy(m, logits, Int32Array.from(fixture.labels), { labelSmoothing: fixture.labelSmoothing });
    net.backward(grad);
    return { loss, logits: logits.toFloat32Array() };
  });
  const grads = Object.fromEntries(Object.entries(net.grads()).map(([k, g]) => [k, g.toFloat32Array()]));
  opt.step();
  const after = Object.fromEntries(net.namedState().map(([k, t]) => [k, t.toFloat32Array()]));
  opt.dispose();
  net.dispose();
  return { ...result, grads, after };
}

for (const backend of BACKENDS) {
  describe(`one training step of the DCD CNN equals PyTorch's [${backend}]`, () => {
    for (const which of ['sgd', 'adamw'] as const) {
      it(which, async () => {
        const m = await init({ backend });
        const want = fixture.cases[which];
        const got = step(m, which);
        expect(Math.abs(got.loss - want.loss)).toBeLessThanOrEqual(1e-5 * Math.abs(want.loss));
        const scale = Math.max(...want.logits.map(Math.abs));
        got.logits.forEach((v, i) => expect(Math.abs(v - want.logits[i]), `logit ${i}`).toBeLessThanOrEqual(1e-4 * scale));
        const zero = new Set(want.zeroGradByConstruction);
        const gradFloor = 1e-4 * Math.max(...Object.values(want.gradSummaries).map((s) => s.maxAbs));
        for (const [name, summary] of Object.entries(want.gradSummaries)) {
          const g = got.grads[name];
          expect(g, `gradient of ${name}`).toBeDefined();
          // Gradients: 1e-3 of the tensor's largest entry; zero-by-construction ones are rounding noise.
          const tol = zero.has(name) ? gradFloor : Math.max(1e-3 * summary.maxAbs, gradFloor);
          expectSummary(gradSummary(name, g), summary, g.length, `${backend} ${which} grad ${name}`, tol);
        }
        for (const [name, summary] of Object.entries(want.after)) {
          const v = got.after[name];
          expect(v, name).toBeDefined();
          // AdamW turns the rounding noise of a zero-by-construction gradient into ±lr steps.
          const tol = zero.has(name) && which === 'adamw' ? 2 * fixture.adamw.lr : RTOL * Math.max(summary.maxAbs, 1e-6);
          expectSummary(gradSummary(name, v), summary, v.length, `${backend} ${which} ${name} after the step`, tol);
        }
        expect(m.info().liveTensors).toBe(0);
      }, 120_000);
    }
  });
}

describe('optimiser state belongs to the optimiser, not to a scope() (issue 13: ownership)', () => {
  for (const backend of BACKENDS) {
    it(`${backend}: SGD momentum and AdamW moments survive steps taken inside scope()`, async () => {
      const m = await init({ backend });
      const net = smallCnn(m, { variant: 'static' });
      for (const opt of [new SGD(m, net.parameterEntries(), { lr: 0.01, momentum: 0.9 }), new AdamW(m, net.parameterEntries(), { lr: 1e-3 })]) {
        // The second step reads the state the first made inside its scope (a disposed buffer threw here).
        for (let i = 0; i < 2; i++) {
          m.scope(() => {
            const y = net.forward(m.tensor(hashInput('input.train', [2, 1, 28, 28]), [2, 1, 28, 28]));
            opt.zeroGrad();
            net.backward(m.tensor(new Float32Array(y.size).fill(0.1), y.shape));
            opt.step();
          });
        }
        opt.dispose();
      }
      net.dispose();
      expect(m.info().liveTensors).toBe(0);
    });
  }
});
