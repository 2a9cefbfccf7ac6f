/**
 * The training pieces together on every backend, before the module tree exists: a linear
 * classifier (m.linear / m.linearBackward) trained with crossEntropy + SGD (Nesterov, weight decay,
 * warm-up + cosine lr, gradient clipping) and with AdamW on a separable synthetic task — the loss
 * falls and the training accuracy rises. Also: a NaN learning rate set by a schedule is rejected.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { init, type Backend } from '../../bindings/index';
import { OptionError } from '../../bindings/errors';
import { crossEntropy } from '../../bindings/train/loss';
import { AdamW, clipGradNorm, SGD, type Optimizer } from '../../bindings/train/optim';
import { warmupCosine } from '../../bindings/train/schedule';
import type { ParameterEntry } from '../../bindings/train/types';
import { Rng } from '../../bindings/train/data';
import { BACKENDS } from '../harness/backends';

const [N, D, C] = [48, 6, 3];

function task(): { x: Float32Array; labels: Int32Array } {
  const rng = new Rng(21);
  const teacher = Float32Array.from({ length: C * D }, () => rng.next() * 2 - 1);
  const x = Float32Array.from({ length: N * D }, () => rng.next() * 2 - 1);
  const labels = new Int32Array(N);
  for (let n = 0; n < N; n++) {
    let best = 0;
    let bestScore = -Infinity;
    for (let c = 0; c < C; c++) {
      let s = 0;
      for (let d = 0; d < D; d++) s += teacher[c * D + d] * x[n * D + d];
      if (s > bestScore) { bestScore = s; best = c; }
    }
    labels[n] = best;
  }
  return { x, labels };
}

function train(m: Backend, make: (entries: ParameterEntry[]) => Optimizer, steps: number) {
  const { x: xData, labels } = task();
  const x = m.tensor(xData, [N, D]);
  const entries: ParameterEntry[] = [
    { name: 'fc.weight', value: m.zeros([C, D]), grad: null },
    { name: 'fc.bias', value: m.zeros([C]), grad: null },
  ];
  const opt = make(entries);
  const lr = warmupCosine({ base: opt.lr, warmupSteps: 5, totalSteps: steps });
  const losses: number[] = [];
  let accuracy = 0;
  for (let step = 0; step < steps; step++) {
    opt.zeroGrad();
    opt.lr = lr(step);
    m.scope(() => {
      const logits = m.linear(x, entries[0].value, entries[1].value);
      const { loss, grad } = crossEntropy(m, logits, labels, { labelSmoothing: 0.1 });
      losses.push(loss);
      const scores = logits.toFloat32Array();
      accuracy = 0;
      for (let n = 0; n < N; n++) {
        let best = 0;
        for (let c = 1; c < C; c++) if (scores[n * C + c] > scores[n * C + best]) best = c;
        if (best === labels[n]) accuracy++;
      }
      const g = m.linearBackward(x, entries[0].value, grad, { bias: true, needs: { dx: false } });
      entries[0].grad = g.dw as NonNullable<typeof g.dw>;
      entries[1].grad = g.db as NonNullable<typeof g.db>;
      return [g.dw, g.db];
    });
    clipGradNorm(m, entries, 5);
    opt.step();
  }
  opt.zeroGrad();
  opt.dispose();
  for (const e of entries) e.value.dispose();
  x.dispose();
  return { losses, accuracy: accuracy / N };
}

for (const backend of BACKENDS) {
  describe(`training a linear classifier [${backend}]`, () => {
    let m: Backend;
    beforeAll(async () => {
      m = await init({ backend });
    });

    it('SGD (Nesterov, weight decay, warm-up + cosine, clipping): the loss falls, accuracy rises', () => {
      const before = m.info().liveTensors;
      const r = train(m, (e) => new SGD(m, e, { lr: 0.5, momentum: 0.9, nesterov: true, weightDecay: 5e-4 }), 60);
      expect(r.losses[0]).toBeCloseTo(Math.log(C), 5); // zero weights: uniform softmax
      expect(r.losses[r.losses.length - 1]).toBeLessThan(0.6 * r.losses[0]);
      expect(r.accuracy).toBeGreaterThan(0.85);
      expect(m.info().liveTensors).toBe(before); // no leaks: grads, state, scopes all released
    });

    it('AdamW: the loss falls, accuracy rises', () => {
      const r = train(m, (e) => new AdamW(m, e, { lr: 0.1, weightDecay: 0.01 }), 60);
      expect(r.losses[r.losses.length - 1]).toBeLessThan(0.6 * r.losses[0]);
      expect(r.accuracy).toBeGreaterThan(0.85);
    });

    it('a NaN learning rate from a schedule is a typed error', () => {
      const opt = new SGD(m, [], { lr: 0.1 });
      expect(() => { opt.lr = warmupCosine({ base: 0.1, warmupSteps: 2, totalSteps: 4 })(1) * NaN; }).toThrow(OptionError);
      opt.dispose();
    });
  });
}
