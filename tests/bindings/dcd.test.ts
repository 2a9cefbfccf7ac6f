/**
 * DCD layers (conv_dy, conv_basic_dy, DYModule, DYCls + the paper's options) on every backend with the
 * DCD op group: the functional op and the layer objects against PyTorch fixtures (y, dx, every
 * parameter gradient, updated running statistics; train and eval), the size-rule table, and errors.
 * Wasm backends without the op group are tolerated only while DCD_WASM_READY is false.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import dcdJson from '../fixtures/dcd.json' with { type: 'json' };
import { asFixtureFile, decodeTensors, type DecodedTensor } from '../fixtures/decode';
import { dcdForwardUnfused, init, type Backend } from '../../bindings/index';
import { BackendError, OptionError, ShapeError, StateDictError } from '../../bindings/errors';
import {
  DCD_WASM_READY, paperLatent, resolveDcdConfig, type DcdConfig, type DcdOps,
} from '../../bindings/ops/dcd';
import { DCDBasicConv2d, DCDConv2d, DYCls, DYModule, type DcdLayer } from '../../bindings/nn/dcd';
import type { Tensor } from '../../bindings/tensor';
import { BACKENDS } from '../harness/backends';
import { expectAllClose, maxAbsDiff, randomArray, seededRandom, type Tolerance } from '../harness/numeric';
import { relaxedSimdSupported } from '../../bindings/runtime/features';
import { threadsUnavailableReason } from '../../bindings/runtime/threads/support';

interface DcdRun { prefix: 'train' | 'eval'; training: boolean }
interface DcdFixtureOptions {
  config: DcdConfig;
  dims: { latent: number; squeeze: number; pool: number };
  runs: DcdRun[];
}
interface DimsTableOptions {
  rows: [DcdConfig['kind'], number, number, number, number][];
  paperLatent: [number, number][];
}

const file = asFixtureFile<DcdFixtureOptions>(dcdJson);
const cases = file.cases.filter((c) => c.op === 'dcd');
const table = file.cases.find((c) => c.op === 'dcd_dims')!.options as unknown as DimsTableOptions;

/**
 * PyTorch's float32 results are within 8e-6 of float64 (relative to each tensor's max, see the
 * fixture's float64Diff); our summation order differs, so allow ~10× that, plus a small absolute
 * floor for gradients that are zero by construction.
 */
const VS_TORCH: Tolerance = { rtol: 1e-4, atol: 1e-6 };

type M = Backend & DcdOps;
const RESULT_PREFIXES = ['train.', 'eval.'];
const stateNames = (t: Record<string, DecodedTensor>) => Object.keys(t).filter((k) => !RESULT_PREFIXES.some((p) => k.startsWith(p)));

function stateOf(m: M, t: Record<string, DecodedTensor>): Record<string, Tensor> {
  return Object.fromEntries(stateNames(t).map((name) => [name, m.tensor(t[name].data, t[name].shape)]));
}

function layerFor(m: M, config: DcdConfig): DcdLayer {
  const { kind, ...options } = config;
  switch (kind) {
    case 'conv_dy': return new DCDConv2d(m, { ...options, kernelSize: options.kernelSize! });
    case 'conv_basic_dy': return new DCDBasicConv2d(m, options);
    case 'DYModule': return new DYModule(m, options);
    case 'DYCls': return new DYCls(m, options);
  }
}

describe('DCD size rules match the official code', () => {
  it('(kind, Cin, Cout) → (L, S) for the table 1…2048', () => {
    for (const [kind, cin, cout, latent, squeeze] of table.rows) {
      const base = { kind, inChannels: cin, outChannels: cout } as DcdConfig;
      const d = resolveDcdConfig(kind === 'conv_dy' ? { ...base, kernelSize: 1 } : base);
      expect([d.latent, d.squeeze], `${kind}(${cin}, ${cout})`).toEqual([latent, squeeze]);
    }
    expect(table.rows.length).toBeGreaterThan(400);
  });

  it("the paper's preset ⌊C / 2^⌊log2 √C⌋⌋", () => {
    for (const [c, l] of table.paperLatent) expect(paperLatent(c), `C = ${c}`).toBe(l);
  });

  it('the fixtures were built with the same dims', () => {
    for (const fc of cases) {
      const d = resolveDcdConfig(fc.options.config);
      expect({ latent: d.latent, squeeze: d.squeeze, pool: d.pool }, fc.name).toEqual(fc.options.dims);
    }
  });
});

for (const backend of BACKENDS) {
  describe(`DCD [${backend}]`, () => {
    let m: M;
    /** False only for a wasm backend still without the op group while DCD_WASM_READY is false. */
    let available = true;
    beforeAll(async () => {
      m = (await init({ backend })) as M;
      available = typeof m.dcdForward === 'function';
    });
    const requireOps = (): boolean => {
      if (!available) expect(backend !== 'js' && !DCD_WASM_READY, `${backend} backend lacks the DCD op group`).toBe(true);
      return available;
    };

    describe('functional op matches PyTorch', () => {
      for (const fc of cases) {
        for (const run of fc.options.runs) {
          it(`${fc.name} (${run.prefix})`, () => {
            if (!requireOps()) return;
            const t = decodeTensors(fc);
            const r = (name: string) => t[`${run.prefix}.${name}`];
            const dims = resolveDcdConfig(fc.options.config);
            m.scope(() => {
              const state = stateOf(m, t);
              const x = m.tensor(r('x').data, r('x').shape);
              const { y, cache } = m.dcdForward(dims, state, x, { training: run.training });
              expect([...y.shape]).toEqual(r('y').shape);
              expectAllClose(y.data, r('y').data, VS_TORCH, `${fc.name}: y`);
              for (const name of stateNames(t).filter((n) => /running_(mean|var)$/.test(n))) {
                const want = run.training ? r(`updated.${name}`) : t[name];
                expectAllClose(state[name].data, want.data, VS_TORCH, `${fc.name}: ${name} after forward`);
              }
              const g = m.dcdBackward(dims, state, cache!, m.tensor(r('dy').data, r('dy').shape));
              cache!.dispose();
              expectAllClose(g.dx.data, r('dx').data, VS_TORCH, `${fc.name}: dx`);
              const gradNames = Object.keys(t).filter((k) => k.startsWith(`${run.prefix}.grad.`)).map((k) => k.slice(run.prefix.length + 6));
              expect(Object.keys(g.params).sort()).toEqual(gradNames.sort());
              for (const name of gradNames) {
                expect([...g.params[name].shape], name).toEqual(t[name].shape);
                expectAllClose(g.params[name].data, r(`grad.${name}`).data, VS_TORCH, `${fc.name}: grad ${name}`);
              }
              if (!run.training) {
                // inference without a cache, each strategy: 'composed' (the wasm backends scale by λ in place
                // after the conv), 'weights' (one conv of the formed W(x) = ΛW0 + P·M·Q), 'auto' (the cheaper)
                for (const evalStrategy of ['auto', 'composed', 'weights'] as const) {
                  const inf = m.dcdForward(dims, state, x, { training: false, needsBackward: false, evalStrategy });
                  expect(inf.cache).toBeNull();
                  expectAllClose(inf.y.data, r('y').data, VS_TORCH, `${fc.name}: y without a cache (${evalStrategy})`);
                }
                // the benchmark's unfused baseline: wasm backends only
                if (backend === 'js') {
                  expect(() => dcdForwardUnfused(dims, state, x, { training: false })).toThrow(BackendError);
                } else {
                  const unfused = dcdForwardUnfused(dims, state, x, { training: false });
                  expectAllClose(unfused.data, r('y').data, VS_TORCH, `${fc.name}: unfused y`);
                }
              }
            });
          });
        }
      }
    });

    describe('layers match PyTorch (loadStateDict, train/eval, forward, backward, stateDict)', () => {
      for (const fc of cases) {
        it(fc.name, () => {
          if (!requireOps()) return;
          const t = decodeTensors(fc);
          const layer = layerFor(m, fc.options.config);
          try {
            // Names here (this fixture's reference modules register in their own order); the order is
            // the official code's, checked against its key lists in networks.test.ts.
            expect(Object.keys(layer.stateDict()).sort()).toEqual(stateNames(t).sort());
            const fromTorch = Object.fromEntries(stateNames(t).map((name) => [name, t[name]]));
            for (const run of fc.options.runs) {
              const r = (name: string) => t[`${run.prefix}.${name}`];
              layer.loadStateDict(fromTorch).train(run.training);
              layer.zeroGrad(); // gradients accumulate across backward calls (PyTorch semantics)
              m.scope(() => {
                const y = layer.forward(m.tensor(r('x').data, r('x').shape));
                expectAllClose(y.data, r('y').data, VS_TORCH, `${fc.name} ${run.prefix}: layer y`);
                const dx = layer.backward(m.tensor(r('dy').data, r('dy').shape));
                expectAllClose(dx.data, r('dx').data, VS_TORCH, `${fc.name} ${run.prefix}: layer dx`);
                for (const [name, g] of Object.entries(layer.grads())) {
                  expectAllClose(g.data, r(`grad.${name}`).data, VS_TORCH, `${fc.name} ${run.prefix}: layer grad ${name}`);
                }
              });
              const after = layer.stateDict();
              for (const name of Object.keys(after).filter((n) => /running_(mean|var)$/.test(n))) {
                expectAllClose(after[name].data, (run.training ? r(`updated.${name}`) : t[name]).data, VS_TORCH,
                  `${fc.name} ${run.prefix}: layer ${name}`);
              }
            }
          } finally {
            layer.dispose();
          }
        });
      }
    });

    describe('bad inputs get typed errors naming the culprit', () => {
      const convDy: DcdConfig = { kind: 'conv_dy', inChannels: 16, outChannels: 8, kernelSize: 3, padding: 1 };

      it('channel mismatch', () => {
        if (!requireOps()) return;
        const layer = new DCDConv2d(m, { inChannels: 16, outChannels: 8, kernelSize: 3, padding: 1 });
        try {
          m.scope(() => {
            expect(() => layer.forward(m.zeros([2, 15, 5, 5]))).toThrow(ShapeError);
            expect(() => layer.forward(m.zeros([2, 15, 5, 5]))).toThrow(/x has 15 channels but the layer has inChannels = 16/);
            expect(() => layer.forward(m.zeros([2, 16, 5]))).toThrow(/x must have shape \(N, Cin, H, W\)/);
          });
        } finally {
          layer.dispose();
        }
      });

      it('train-mode BatchNorm with one value per channel', () => {
        if (!requireOps()) return;
        const cls = new DYCls(m, { inChannels: 8, outChannels: 4 });
        const conv = new DCDConv2d(m, { inChannels: 16, outChannels: 8, kernelSize: 1 });
        try {
          m.scope(() => {
            expect(() => cls.forward(m.zeros([1, 8]))).toThrow(ShapeError);
            expect(() => cls.forward(m.zeros([1, 8]))).toThrow(/bn1 needs more than 1 value per channel/);
            expect(() => conv.forward(m.zeros([1, 16, 1, 1]))).toThrow(/bn1 needs more than 1 value per channel/);
            cls.eval();
            expect(cls.forward(m.zeros([1, 8])).shape).toEqual([1, 4]);
          });
        } finally {
          cls.dispose();
          conv.dispose();
        }
      });

      it('state dict with a missing, mis-shaped or extra tensor', () => {
        if (!requireOps()) return;
        const layer = new DYModule(m, { inChannels: 8, outChannels: 24 });
        try {
          const sd = layer.stateDict();
          const before = sd['conv_q.weight'].data.slice();
          const { 'bn2.running_var': _, ...missing } = sd;
          expect(() => layer.loadStateDict(missing)).toThrow(StateDictError);
          expect(() => layer.loadStateDict(missing)).toThrow(/missing keys: bn2\.running_var/);
          const misShaped = { ...sd, 'conv_q.weight': { shape: [5, 8, 1, 1], data: new Float32Array(40) } };
          expect(() => layer.loadStateDict(misShaped)).toThrow(/conv_q\.weight: expected shape \[\d+, 8, 1, 1\], got \[5, 8, 1, 1\]/);
          expect(() => layer.loadStateDict({ ...sd, 'fc.2.weight': sd['fc.0.weight'] })).toThrow(/unexpected keys: fc\.2\.weight/);
          expect(() => layer.loadStateDict({ ...sd, 'bn1.num_batches_tracked': { shape: [], data: [0] } })).not.toThrow();
          expect(layer.stateDict()['conv_q.weight'].data).toEqual(before);
          m.scope(() => {
            const state = Object.fromEntries(Object.entries(sd).map(([k, v]) => [k, m.tensor(v.data, v.shape)]));
            const dims = resolveDcdConfig({ kind: 'DYModule', inChannels: 8, outChannels: 24 });
            const x = m.zeros([2, 8, 3, 3]);
            expect(() => m.dcdForward(dims, { ...state, 'fc_phi.weight': m.zeros([3, 3]) }, x, { training: false }))
              .toThrow(/'fc_phi.weight' must have shape/);
            const { 'p.weight': _p, 'conv_p.weight': _cp, ...noP } = state;
            expect(() => m.dcdForward(dims, noP, x, { training: false })).toThrow(/no tensor 'conv_p.weight'/);
          });
        } finally {
          layer.dispose();
        }
      });

      it('invalid configurations', () => {
        expect(() => resolveDcdConfig({ ...convDy, padding: 0 })).toThrow(OptionError);
        expect(() => resolveDcdConfig({ ...convDy, blocks: 3 })).toThrow(/blocks \(3\) must divide inChannels \(16\)/);
        expect(() => resolveDcdConfig({ ...convDy, kind: 'conv_dz' as 'conv_dy' })).toThrow(/kind must be one of/);
        expect(() => resolveDcdConfig({ kind: 'DYModule', inChannels: 8, outChannels: 8, kernelSize: 3 })).toThrow(/unknown option 'kernelSize'/);
        expect(() => resolveDcdConfig({ ...convDy, variant: 'both' as 'full' })).toThrow(/variant must be one of/);
      });

      it('unknown evalStrategy', () => {
        if (!requireOps()) return;
        const layer = new DCDConv2d(m, { inChannels: 16, outChannels: 8, kernelSize: 3, padding: 1 });
        try {
          m.scope(() => {
            const state = Object.fromEntries([...layer.namedParameters(), ...layer.namedBuffers()]);
            const call = () => m.dcdForward(layer.dims, state, m.zeros([1, 16, 5, 5]),
              { training: false, needsBackward: false, evalStrategy: 'fast' as 'auto' });
            expect(call).toThrow(OptionError);
            expect(call).toThrow(/evalStrategy must be one of 'auto', 'composed', 'weights', got string fast/);
          });
        } finally {
          layer.dispose();
        }
      });

      it('backward before forward', () => {
        if (!requireOps()) return;
        const layer = new DCDBasicConv2d(m, { inChannels: 4, outChannels: 4 });
        try {
          m.scope(() => expect(() => layer.backward(m.zeros([2, 4, 3, 3]))).toThrow(/backward\(\) needs a forward\(\) first/));
        } finally {
          layer.dispose();
        }
      });

      it('backward after an eval forward whose input was disposed', () => {
        if (!requireOps()) return;
        const layer = new DCDBasicConv2d(m, { inChannels: 4, outChannels: 4 }).eval();
        try {
          m.scope(() => {
            const x = m.zeros([2, 4, 3, 3]);
            const y = layer.forward(x);
            x.dispose();
            expect(() => layer.backward(m.zeros(y.shape))).toThrow(OptionError);
            expect(() => layer.backward(m.zeros(y.shape))).toThrow(/keep x alive/);
          });
        } finally {
          layer.dispose();
        }
      });
    });
  });
}

// The wasm DCD backward runs a stride-1 k×k backward-data with ≥ 1536 column rows (Cin·k·k) as the forward
// conv of flipped weights; the fixtures above are too narrow for it, so a wide layer is checked against js.
describe('wide stride-1 DCD backward (flipped-weight path) matches the js reference', () => {
  const configs: [string, Omit<DcdConfig, 'kind'> & { kernelSize: number }][] = [
    ['conv_dy 3x3 176->8', { inChannels: 176, outChannels: 8, kernelSize: 3, padding: 1 }],
    ['conv_dy 3x3 qKernel k', { inChannels: 176, outChannels: 6, kernelSize: 3, padding: 1, qKernel: 'k' }],
  ];
  for (const backend of BACKENDS.filter((b) => b !== 'js')) {
    for (const [name, config] of configs) {
      for (const training of [true, false]) {
        it(`${backend}: ${name} (${training ? 'train' : 'eval'})`, async () => {
          const run = async (b: string) => {
            const m = (await init({ backend: b as never })) as M;
            if (typeof m.dcdForward !== 'function') return null;
            const layer = new DCDConv2d(m, { ...config, seed: 3 });
            const rand = seededRandom(5);
            const x = m.tensor(randomArray(2 * 176 * 6 * 6, rand), [2, 176, 6, 6]);
            training ? layer.train() : layer.eval();
            const y = layer.forward(x);
            const dy = m.tensor(randomArray(y.size, rand), [...y.shape]);
            const dx = layer.backward(dy);
            const out: Record<string, Float32Array> = { y: y.toFloat32Array(), dx: dx.toFloat32Array() };
            for (const [k, t] of Object.entries(layer.grads())) out[k] = t.toFloat32Array();
            layer.dispose();
            return out;
          };
          const got = await run(backend), want = await run('js');
          if (got === null) return;
          expect(Object.keys(got).sort()).toEqual(Object.keys(want!).sort());
          for (const k of Object.keys(want!)) expectAllClose(got[k], want![k], VS_TORCH, `${backend} ${name}: ${k}`);
        });
      }
    }
  }
});

// init({ threads: 2 }): the training forward's convs run on the whole batch and DCD's per-sample pieces
// (λ scaling, Φ, the projection p, and the BatchNorms) are split across the threads
// (assembly/dcd/train_part.ts, nn/batchnorm_part.ts): every output and gradient is the one-thread bits.
const threadsUnavailable = threadsUnavailableReason();
const THREADED = relaxedSimdSupported() ? ['wasm-simd', 'wasm-relaxed-simd'] as const : ['wasm-simd'] as const;

/** y, running statistics, dx and every gradient of one forward + backward, as plain arrays. */
function dcdStep(m: M, layer: DcdLayer, x: DecodedTensor, dy: DecodedTensor, state: Record<string, DecodedTensor>, training: boolean) {
  layer.loadStateDict(state).train(training);
  layer.zeroGrad();
  return m.scope(() => {
    const y = layer.forward(m.tensor(x.data, x.shape)).toFloat32Array();
    const dx = layer.backward(m.tensor(dy.data, dy.shape)).toFloat32Array();
    const grads = Object.fromEntries(Object.entries(layer.grads()).map(([name, g]) => [name, g.toFloat32Array()]));
    const after = Object.fromEntries(Object.entries(layer.stateDict()).map(([name, t]) => [name, Float32Array.from(t.data)]));
    return { y, dx, grads, after };
  });
}

function expectSameStep(a: ReturnType<typeof dcdStep>, b: ReturnType<typeof dcdStep>, label: string): void {
  expect(maxAbsDiff(a.y, b.y), `${label}: y`).toBe(0);
  expect(maxAbsDiff(a.dx, b.dx), `${label}: dx`).toBe(0);
  expect(Object.keys(a.grads).sort()).toEqual(Object.keys(b.grads).sort());
  for (const [name, g] of Object.entries(b.grads)) expect(maxAbsDiff(a.grads[name], g), `${label}: grad ${name}`).toBe(0);
  for (const [name, t] of Object.entries(b.after)) expect(maxAbsDiff(a.after[name], t), `${label}: ${name} after`).toBe(0);
}

for (const build of THREADED) {
  const name = threadsUnavailable
    ? `DCD with threads [${build}]: skipped (${threadsUnavailable})`
    : `DCD with init({ threads: 2 }) [${build}]: bit-identical to 1 thread`;
  describe.skipIf(threadsUnavailable)(name, () => {
    let two: M, one: M;
    beforeAll(async () => {
      // threadMinFlops 0: even the tiny fixtures are split across the threads
      two = (await init({ backend: build, threads: 2, threadMinFlops: 0, debug: { poison: true } })) as M;
      one = (await init({ backend: build })) as M;
    });
    afterAll(() => two?.dispose());

    it('every fixture layer, train and eval: y, dx, gradients, running statistics', () => {
      expect(two.info().threads).toBe(2);
      for (const fc of cases) {
        const t = decodeTensors(fc);
        const state = Object.fromEntries(stateNames(t).map((n) => [n, t[n]]));
        for (const run of fc.options.runs) {
          const r = (n: string) => t[`${run.prefix}.${n}`];
          const [a, b] = [two, one].map((m) => {
            const layer = layerFor(m, fc.options.config);
            try {
              return dcdStep(m, layer, r('x'), r('dy'), state, run.training);
            } finally {
              layer.dispose();
            }
          });
          expectSameStep(a, b, `${fc.name} (${run.prefix})`);
        }
      }
    });

    // Latent sizes ≥ 9 (dP split by columns of 8), batches around the part counts, both strides.
    it('SmallCnn-like conv_basic_dy layers, batch 3–17, train', () => {
      const rand = seededRandom(19);
      for (const [n, cin, cout, hw, stride] of [[3, 24, 32, 9, 1], [10, 32, 16, 8, 2], [17, 40, 40, 5, 1]]) {
        const config: DcdConfig = { kind: 'conv_basic_dy', inChannels: cin, outChannels: cout, stride };
        const template = layerFor(one, config);
        const state = Object.fromEntries(Object.entries(template.stateDict()).map(([k, v]) => [k, {
          shape: [...v.shape], data: /running_var$/.test(k) ? Float32Array.from(v.data, () => 1 + Math.abs(rand())) : randomArray(v.data.length, rand),
        }]));
        template.dispose();
        const oh = Math.floor((hw - 1) / stride) + 1;
        const x = { shape: [n, cin, hw, hw], data: randomArray(n * cin * hw * hw, rand) };
        const dy = { shape: [n, cout, oh, oh], data: randomArray(n * cout * oh * oh, rand) };
        const [a, b] = [two, one].map((m) => {
          const layer = layerFor(m, config);
          try {
            return dcdStep(m, layer, x, dy, state, true);
          } finally {
            layer.dispose();
          }
        });
        expectSameStep(a, b, `conv_basic_dy ${cin}→${cout} stride ${stride} batch ${n}`);
      }
    });
  });
}
