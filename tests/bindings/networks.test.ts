/**
 * Whole networks against PyTorch (tests/fixtures/networks.json, from the official DCD code,
 * torchvision and the DY-Conv twins of tools/fixtures/dy_networks.py), on every backend:
 * - parameter counts and state-dict keys (names, shapes, order) of the networks with a key list;
 * - eval-mode logits after the fixture's BatchNorm calibration;
 * - one training-mode forward + backward: logits, dL/dx, every parameter gradient and every updated
 *   running statistic, compared through the fixture's summaries (max, norm, a random projection and
 *   8 sampled entries per tensor: the full gradients of a 15M-parameter network are not committed).
 */
import { describe, expect, it } from 'vitest';
import networksJson from '../fixtures/networks.json' with { type: 'json' };
import { decodeTensor } from '../fixtures/decode';
import { asNetworksFixture, gradSummary, hashInput, keyHash, lossGradient, type GradSummary } from '../fixtures/networks';
import { init, type Backend } from '../../bindings/index';
import { BACKENDS } from '../harness/backends';
import { buildNetwork, calibrate, loadHashWeights } from './helpers/networks';

const fixture = asNetworksFixture(networksJson);

/**
 * Train cases that cannot judge an implementation: mobilenetv2_dcd@0.5 at 64 px puts some ReLU6 inputs
 * (the last BatchNorm's outputs, 16 values per channel) within float32 rounding of the kink at 0 —
 * measured: |x| ≈ 1e-5 where the forward's own error is ~1e-4 — so two correct float32 implementations
 * (our js and wasm-simd backends) flip 2 mask entries and their gradients differ by 3–19% upstream.
 * Its eval case is still checked; the train step of that network is left to a regenerated, kink-free
 * fixture (see the issue-10 note).
 */
const KINKED_TRAIN_CASES = new Set(['mobilenetv2_dcd@0.5']);

/** max |ours − PyTorch| / max |PyTorch| for the logits (the issue's bound). */
const LOGITS_RTOL = 1e-4;
/** Gradients: 1e-3 of the tensor's largest entry (the issue's bound). */
const GRAD_RTOL = 1e-3;

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function expectLogits(got: Float32Array, want: Float32Array, label: string, rtol = LOGITS_RTOL): void {
  expect(got.length, label).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  const scale = maxAbs(want);
  expect(worst / scale, `${label}: max |Δlogit| / max |logit| (max |logit| ${scale.toExponential(3)})`).toBeLessThanOrEqual(rtol);
}

/**
 * A tensor's summary against PyTorch's. `floor` is an absolute bound for tensors that are zero by
 * construction (e.g. a bias before a train-mode BatchNorm), where PyTorch's values are rounding noise.
 */
function expectSummary(got: GradSummary, want: GradSummary, n: number, label: string, rtol: number, floor: number): void {
  const tol = Math.max(rtol * want.maxAbs, floor);
  // norm2 and the projection add n errors of random sign: √n times the per-entry bound.
  const spread = tol * Math.sqrt(n);
  expect(Math.abs(got.maxAbs - want.maxAbs), `${label}: max |·|`).toBeLessThanOrEqual(tol);
  expect(Math.abs(got.norm2 - want.norm2), `${label}: ‖·‖₂`).toBeLessThanOrEqual(spread);
  expect(Math.abs(got.dot - want.dot), `${label}: projection`).toBeLessThanOrEqual(spread);
  got.samples.forEach(([i, v], j) => {
    expect(i, `${label}: sample index ${j}`).toBe(want.samples[j][0]);
    expect(Math.abs(v - want.samples[j][1]), `${label}: entry ${i}`).toBeLessThanOrEqual(tol);
  });
}

describe('network constructors match PyTorch: parameter counts and state-dict keys', () => {
  for (const row of fixture.counts.filter((r) => r.keys)) {
    it(`${row.label}: ${row.parameters} parameters, ${row.stateKeys} keys in PyTorch's order`, async () => {
      const m = await init({ backend: 'js' });
      const net = buildNetwork(m, row);
      try {
        expect(net.numParameters()).toBe(row.parameters);
        if (row.issueParameters !== undefined) expect(net.numParameters()).toBe(row.issueParameters);
        const keys = net.namedState().map(([name, t]) => [name, [...t.shape]] as [string, number[]]);
        expect(keys).toEqual(row.keys);
        expect(keyHash(keys)).toBe(row.keyHash);
      } finally {
        net.dispose();
      }
    }, 120_000);
  }
});

for (const backend of BACKENDS) {
  describe(`whole networks [${backend}]`, () => {
    for (const c of fixture.eval) {
      it(`${c.label}: eval logits at ${c.input.slice(2).join('×')} (calibrated on ${c.calibrate[0]} images)`, async () => {
        const m = await init({ backend });
        const net = buildNetwork(m, c);
        try {
          loadHashWeights(net);
          calibrate(m, net, c.calibrate);
          const logits = m.scope(() => net.forward(m.tensor(hashInput('input.eval', c.input), c.input)).toFloat32Array());
          expectLogits(logits, decodeTensor(c.logits).data, `${backend} ${c.label}`);
        } finally {
          net.dispose();
        }
        expect(m.info().liveTensors).toBe(0);
      }, 300_000);
    }

    for (const c of fixture.train.filter((t) => !KINKED_TRAIN_CASES.has(t.label))) {
      it(`${c.label}: one training-mode forward + backward (every gradient, every running statistic)`, async () => {
        const m = await init({ backend });
        const net = buildNetwork(m, c);
        try {
          loadHashWeights(net);
          calibrate(m, net, c.calibrate);
          net.train();
          const { logits, dx } = m.scope(() => {
            const x = m.tensor(hashInput('input.train', c.input), c.input);
            const y = net.forward(x);
            const g = net.backward(m.tensor(lossGradient(y.size), y.shape));
            return { logits: y.toFloat32Array(), dx: g.toFloat32Array() };
          });
          expectLogits(logits, decodeTensor(c.logits).data, `${backend} ${c.label} train logits`);
          const grads = net.grads();
          expect(Object.keys(grads).sort()).toEqual(Object.keys(c.grads).sort());
          // Zero-by-construction gradients are PyTorch rounding noise: bound them absolutely, at 1e-4 of
          // the network's largest gradient entry.
          const floor = 1e-4 * Math.max(...Object.values(c.grads).map((s) => s.maxAbs));
          expectSummary(gradSummary('x', dx), c.dx, dx.length, `${backend} ${c.label} dx`, GRAD_RTOL, 0);
          for (const [name, want] of Object.entries(c.grads)) {
            const data = grads[name].toFloat32Array();
            expectSummary(gradSummary(name, data), want, data.length, `${backend} ${c.label} grad ${name}`, GRAD_RTOL, floor);
          }
          const buffers = Object.fromEntries(net.namedBuffers());
          for (const [name, want] of Object.entries(c.buffers)) {
            const data = buffers[name].toFloat32Array();
            expectSummary(gradSummary(name, data), want, data.length, `${backend} ${c.label} ${name}`, LOGITS_RTOL, 0);
          }
        } finally {
          net.dispose();
        }
        expect(m.info().liveTensors).toBe(0);
      }, 300_000);
    }
  });
}
