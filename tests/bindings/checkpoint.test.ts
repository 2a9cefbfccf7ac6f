/**
 * bindings/train/checkpoint.ts on every backend (the safetensors format itself is tested in
 * safetensors.test.ts): typed errors for foreign or truncated files, and a training run (linear classifier, SGD / AdamW, minibatches drawn by
 * the seeded Rng) saved half-way and resumed from the bytes — bit-identical to the uninterrupted run.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { init, type Backend } from '../../bindings/index';
import { StateDictError } from '../../bindings/errors';
import { loadCheckpoint, saveCheckpoint } from '../../bindings/train/checkpoint';
import { Rng } from '../../bindings/train/data';
import { crossEntropy } from '../../bindings/train/loss';
import { AdamW, SGD, type Optimizer } from '../../bindings/train/optim';
import type { ParameterEntry } from '../../bindings/train/types';
import { BACKENDS } from '../harness/backends';

function handWritten(): Uint8Array {
  const header = '{"__metadata__":{"k":"v"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
  const h = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + h.length + 8);
  const view = new DataView(out.buffer);
  view.setUint32(0, h.length, true);
  out.set(h, 8);
  view.setFloat32(8 + h.length, 1.5, true);
  view.setFloat32(12 + h.length, -2, true);
  return out;
}

const [N, D, C, BATCH] = [32, 5, 3, 8];

/** Runs `steps` steps from `from` (a checkpoint's bytes, or a fresh start) and returns the final bytes. */
function run(m: Backend, make: (e: ParameterEntry[]) => Optimizer, steps: number, from: Uint8Array | null): Uint8Array {
  const data = new Rng(99);
  const x = Float32Array.from({ length: N * D }, () => data.next() * 2 - 1);
  const labels = Int32Array.from({ length: N }, () => data.int(C));
  const ck = from ? loadCheckpoint(from) : null;
  const initial = (name: string, fresh: Float32Array, shape: number[]) =>
    m.tensor(ck ? ck.model[name].data : fresh, ck ? ck.model[name].shape : shape);
  const entries: ParameterEntry[] = [
    { name: 'fc.weight', value: initial('fc.weight', Float32Array.from({ length: C * D }, (_, i) => Math.sin(i) * 0.1), [C, D]), grad: null },
    { name: 'fc.bias', value: initial('fc.bias', new Float32Array(C), [C]), grad: null },
  ];
  const opt = make(entries);
  const rng = new Rng(5);
  let step = 0;
  if (ck) {
    opt.loadStateDict(ck.optimizer!);
    rng.setState(ck.rng!);
    step = ck.step!;
  }
  for (let i = 0; i < steps; i++, step++) {
    opt.zeroGrad();
    m.scope(() => {
      const idx = Array.from({ length: BATCH }, () => rng.int(N));
      const xb = m.tensor(Float32Array.from(idx.flatMap((n) => Array.from(x.subarray(n * D, (n + 1) * D)))), [BATCH, D]);
      const { grad } = crossEntropy(m, m.linear(xb, entries[0].value, entries[1].value), Int32Array.from(idx, (n) => labels[n]));
      const g = m.linearBackward(xb, entries[0].value, grad, { bias: true, needs: { dx: false } });
      entries[0].grad = g.dw!;
      entries[1].grad = g.db!;
      return [g.dw, g.db];
    });
    opt.lr = 0.1 / (1 + step);
    opt.step();
  }
  opt.zeroGrad();
  const bytes = saveCheckpoint({
    model: Object.fromEntries(entries.map((e) => [e.name, { shape: e.value.shape, data: e.value.toFloat32Array() }])),
    optimizer: opt.stateDict(), step, rng: rng.state(), extra: { note: 'test' },
  });
  opt.dispose();
  for (const e of entries) e.value.dispose();
  return bytes;
}

for (const backend of BACKENDS) {
  describe(`checkpoints [${backend}]`, () => {
    let m: Backend;
    beforeAll(async () => {
      m = await init({ backend });
    });

    it('a checkpoint is a safetensors file; a truncated or foreign one is a typed error', () => {
      const good = handWritten();
      expect(() => loadCheckpoint(good)).toThrow(/not a dcd-wasm checkpoint/);
      expect(() => loadCheckpoint(good.slice(0, good.length - 1))).toThrow(StateDictError);
    });

    for (const [name, make] of [
      ['SGD Nesterov', (e: ParameterEntry[]) => new SGD(m, e, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4 })],
      ['AdamW amsgrad', (e: ParameterEntry[]) => new AdamW(m, e, { lr: 0.01, amsgrad: true })],
    ] as const) {
      it(`${name}: a run resumed from a checkpoint continues bit-identically`, () => {
        const straight = loadCheckpoint(run(m, make, 6, null));
        const half = run(m, make, 3, null);
        const resumed = loadCheckpoint(run(m, make, 3, half));
        expect(resumed.step).toBe(6);
        expect(resumed.rng).toEqual(straight.rng);
        expect(resumed.extra).toEqual({ note: 'test' });
        for (const key of Object.keys(straight.model)) {
          expect(Array.from(resumed.model[key].data), key).toEqual(Array.from(straight.model[key].data));
        }
        expect(resumed.optimizer!.steps).toBe(6);
        for (const [param, s] of Object.entries(straight.optimizer!.state)) {
          for (const [key, t] of Object.entries(s.tensors)) {
            expect(Array.from(resumed.optimizer!.state[param].tensors[key].data), `${param}.${key}`).toEqual(Array.from(t.data));
          }
        }
      });
    }
  });
}
