/**
 * init({ threads }): the worker pool over shared memory. Threaded results must be bit-identical
 * to one thread on the same kernels (every split keeps each element's summation order) and close
 * to the js reference; options and errors; dispose() ends the workers.
 * Runs where threads can (Node, Deno, a cross-origin-isolated page); elsewhere only the
 * "unavailable" checks run and the rest is skipped with the reason in its name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import conv2dJson from '../fixtures/conv2d.json' with { type: 'json' };
import linearJson from '../fixtures/linear.json' with { type: 'json' };
import { asFixtureFile, decodeTensors, type Conv2dFixtureOptions, type LinearFixtureOptions } from '../fixtures/decode';
import {
  BackendError, DCDBasicConv2d, DCDConv2d, DYCls, DYModule, OptionError, init, initSync, prepareConv2d, prepareDcdForward,
  type Backend, type Conv2dOptions, type DcdLayer,
} from '../../bindings/index';
import { relaxedSimdSupported } from '../../bindings/runtime/features';
import { threadsUnavailableReason } from '../../bindings/runtime/threads/support';
import { expectAllClose, maxAbs, maxAbsDiff, product, randomArray, randomInt, seededRandom, type Tolerance } from '../harness/numeric';

const unavailable = threadsUnavailableReason();
/** The threaded backends this runtime can run: relaxed SIMD where it validates (Node: with the flag). */
const THREADED = relaxedSimdSupported() ? ['wasm-simd', 'wasm-relaxed-simd'] as const : ['wasm-simd'] as const;
const VS_JS: Tolerance = { rtol: 3e-5, atol: 1e-6 };
type Arrays = Record<string, Float32Array | undefined>;

interface ConvCase { x: number[]; w: number[]; bias: boolean; options: Conv2dOptions }

/** Forward + all gradients of a conv on one backend (tensors disposed). */
function runConv(m: Backend, c: ConvCase, d: Arrays): Arrays & { shape?: number[] } {
  return m.scope(() => {
    const x = m.tensor(d.x!, c.x);
    const w = m.tensor(d.w!, c.w);
    const b = c.bias ? m.tensor(d.b!, [c.w[0]]) : undefined;
    const y = m.conv2d(x, w, { ...c.options, bias: b });
    const dy = m.tensor(d.dy ?? randomArray(product(y.shape), seededRandom(7)), y.shape);
    const g = m.conv2dBackward(x, w, dy, { ...c.options, bias: c.bias });
    return { y: y.toFloat32Array(), dx: g.dx?.toFloat32Array(), dw: g.dw?.toFloat32Array(), db: g.db?.toFloat32Array() };
  });
}

function runLinear(m: Backend, n: number, inF: number, outF: number, bias: boolean, d: Arrays): Arrays {
  return m.scope(() => {
    const x = m.tensor(d.x!, [n, inF]);
    const w = m.tensor(d.w!, [outF, inF]);
    const y = m.linear(x, w, bias ? m.tensor(d.b!, [outF]) : undefined);
    const g = m.linearBackward(x, w, m.tensor(d.dy!, [n, outF]), { bias });
    return { y: y.toFloat32Array(), dx: g.dx?.toFloat32Array(), dw: g.dw?.toFloat32Array(), db: g.db?.toFloat32Array() };
  });
}

/** threads vs one thread: identical bits; vs js: float32 summation-order differences only. */
function expectSame(threaded: Arrays, one: Arrays, js: Arrays, label: string): void {
  for (const key of Object.keys(one)) {
    const a = threaded[key], b = one[key], r = js[key];
    if (b === undefined) {
      expect(a, `${label}: ${key}`).toBeUndefined();
      continue;
    }
    expect(a, `${label}: ${key}`).toBeDefined();
    expect(maxAbsDiff(a!, b), `${label}: ${key} differs from 1 thread`).toBe(0);
    expectAllClose(a!, r!, VS_JS, `${label}: ${key} vs js`);
  }
}

/** A random conv, sometimes big enough that every part gets real work (many channels/pixels). */
function randomConv(rand: () => number): ConvCase {
  const kind = randomInt(rand, 0, 3);
  const groups = kind === 3 ? randomInt(rand, 2, 12) : [1, 1, 2][randomInt(rand, 0, 2)];
  const cin = kind === 3 ? groups : groups * randomInt(rand, 1, 24);
  const cout = kind === 3 ? groups * randomInt(rand, 1, 2) : groups * randomInt(rand, 1, 40);
  const k = kind === 0 ? 1 : randomInt(rand, 1, 5);
  const hw = randomInt(rand, k + 2, 30);
  return {
    x: [randomInt(rand, 1, 3), cin, hw, randomInt(rand, k + 2, 30)],
    w: [cout, cin / groups, k, kind === 0 ? 1 : randomInt(rand, 1, 4)],
    bias: rand() > -0.3,
    options: kind === 0
      ? { groups }
      : { stride: [randomInt(rand, 1, 2), randomInt(rand, 1, 2)], padding: [randomInt(rand, 0, 2), randomInt(rand, 0, 2)],
        dilation: [randomInt(rand, 1, 2), 1], groups },
  };
}

/** The output's spatial extent (OH, OW), from a forward run. */
function yShape(m: Backend, c: ConvCase, d: Arrays): number[] {
  return m.scope(() => m.conv2d(m.tensor(d.x!, c.x), m.tensor(d.w!, c.w), c.options).shape.slice(2));
}

const convData = (c: ConvCase, rand: () => number): Arrays => ({
  x: randomArray(product(c.x), rand), w: randomArray(product(c.w), rand), b: randomArray(c.w[0], rand),
});

describe('threads: option checks (any runtime)', () => {
  it('rejects bad thread counts and minFlops', async () => {
    for (const threads of [0, 1.5, -2, 65, 'many', null]) {
      await expect(init({ threads: threads as never })).rejects.toThrow(OptionError);
    }
    await expect(init({ threads: 2, threadMinFlops: -1 })).rejects.toThrow(unavailable ? BackendError : OptionError);
  });

  it("threads: 1 and no option are today's single-threaded backends", async () => {
    expect((await init({ backend: 'wasm-simd', threads: 1 })).info().threads).toBe(1);
    expect((await init({ backend: 'wasm-simd' })).info().threads).toBe(1);
  });

  it('says why where threads cannot run: js, scalar, initSync', async () => {
    await expect(init({ backend: 'js', threads: 2 })).rejects.toThrow(/backend 'js' is single-threaded/);
    await expect(init({ backend: 'wasm-scalar', threads: 2 })).rejects.toThrow(/no threaded build/);
    if (!relaxedSimdSupported()) {
      await expect(init({ backend: 'wasm-relaxed-simd', threads: 2 })).rejects.toThrow(/relaxed SIMD/);
    }
    expect(() => initSync({ threads: 2 })).toThrow(/initSync cannot start threads/);
    const m = initSync({ threads: 'auto' });
    expect(m.info().threads).toBe(1);
    expect(m.info().threadsNote).toMatch(/fell back to 1 thread: initSync/);
    const js = await init({ backend: 'js', threads: 'auto' });
    expect(js.info()).toMatchObject({ backend: 'js', threads: 1 });
    js.dispose(); // a no-op on every backend without threads
  });

  it.runIf(unavailable)(`threads unavailable here: BackendError for n > 1, 'auto' falls back (${unavailable})`, async () => {
    await expect(init({ threads: 2 })).rejects.toThrow(BackendError);
    await expect(init({ threads: 2 })).rejects.toThrow(unavailable!);
    const m = await init({ threads: 'auto' });
    expect(m.info().threads).toBe(1);
    expect(m.info().threadsNote).toContain(unavailable!);
  });
});

describe.skipIf(unavailable)("threads: 'auto' picks the fastest threads build", () => {
  it(`relaxed SIMD where it validates, else SIMD (here: ${THREADED[THREADED.length - 1]})`, async () => {
    const m = await init({ threads: 2 });
    try {
      expect(m.info()).toMatchObject({ backend: THREADED[THREADED.length - 1], threads: 2 });
    } finally {
      m.dispose();
    }
  });
});

for (const build of THREADED) {
const suiteName = unavailable ? `threads (${build}): skipped (${unavailable})` : `threads (${build}): 2 threads vs 1 thread vs js`;
describe.skipIf(unavailable)(suiteName, () => {
  let two: Backend, one: Backend, js: Backend;
  beforeAll(async () => {
    // threadMinFlops 0: even the tiny fixtures are split across the threads
    two = await init({ backend: build, threads: 2, threadMinFlops: 0 });
    one = await init({ backend: build });
    js = await init({ backend: 'js' });
  });
  afterAll(() => two?.dispose());

  it('info() reports the threads build on 2 threads', () => {
    expect(two.info()).toMatchObject({ backend: build, simd: true, threads: 2 });
    expect(two.info().threadsNote).toBeUndefined();
  });

  describe('conv2d fixtures (PyTorch shapes)', () => {
    for (const fc of asFixtureFile<Conv2dFixtureOptions>(conv2dJson).cases) {
      it(fc.name, () => {
        const t = decodeTensors(fc);
        const { bias, ...options } = fc.options as Conv2dFixtureOptions & { bias: boolean };
        const c: ConvCase = { x: t.x.shape, w: t.weight.shape, bias, options: options as Conv2dOptions };
        const d = { x: t.x.data, w: t.weight.data, b: bias ? t.bias.data : undefined, dy: t.dy.data };
        expectSame(runConv(two, c, d), runConv(one, c, d), runConv(js, c, d), fc.name);
      });
    }
  });

  describe('linear fixtures', () => {
    for (const fc of asFixtureFile<LinearFixtureOptions>(linearJson).cases) {
      it(fc.name, () => {
        const t = decodeTensors(fc);
        const [n, inF] = t.x.shape, outF = t.weight.shape[0], bias = fc.options.bias;
        const d = { x: t.x.data, w: t.weight.data, b: bias ? t.bias.data : undefined, dy: t.dy.data };
        const run = (m: Backend) => runLinear(m, n, inF, outF, bias, d);
        expectSame(run(two), run(one), run(js), fc.name);
      });
    }
  });

  it('random convs (1×1, k×k, grouped, depthwise; batch 1–3)', () => {
    const rand = seededRandom(2024);
    for (let trial = 0; trial < 24; trial++) {
      const c = randomConv(rand);
      const d = convData(c, rand);
      expectSame(runConv(two, c, d), runConv(one, c, d), runConv(js, c, d), `x [${c.x}] w [${c.w}] ${JSON.stringify(c.options)}`);
    }
  });

  // Backward data on the column path (k×k; 1×1 with stride or padding) splits samples when there are at
  // least as many as parts (2 threads: 8) and W_gᵀ is no bigger than a block of dY: the whole op's
  // column blocks clipped to each part's samples, so the one-thread bits. Blocks that straddle samples,
  // one block over the whole batch, groups, stride 2, and a batch that does not divide into the parts.
  it('backward data split by samples (batch ≥ parts), bit-identical', () => {
    const rand = seededRandom(53);
    for (const c of [
      { x: [9, 12, 10, 10], w: [20, 12, 1, 1], bias: true, options: { stride: 2 } },                 // the shortcuts' 1×1 stride 2
      { x: [8, 16, 9, 9], w: [16, 16, 3, 3], bias: false, options: { padding: 1 } },                // one block over all samples
      { x: [12, 24, 19, 19], w: [32, 24, 3, 3], bias: true, options: { padding: 1 } },              // blocks straddle samples
      { x: [10, 16, 11, 11], w: [12, 8, 3, 3], bias: true, options: { stride: 2, padding: 1, groups: 2 } },
      { x: [17, 32, 8, 8], w: [24, 32, 1, 1], bias: false, options: { padding: 1 } },               // 1×1 with padding
    ] as ConvCase[]) {
      const d = convData(c, rand);
      expectSame(runConv(two, c, d), runConv(one, c, d), runConv(js, c, d), `samples: x [${c.x}] w [${c.w}] ${JSON.stringify(c.options)}`);
    }
  });

  // dW's channel ranges are a thread's share of the group's channels rounded down to 8 (each range
  // packs all of dY again), still on multiples of 8: the one-thread bits. 1×1 stride 2 (the shortcuts),
  // a share that leaves a short third range, groups.
  it('dW split by wide channel ranges (one per thread), bit-identical', () => {
    const rand = seededRandom(57);
    for (const c of [
      { x: [4, 64, 10, 10], w: [32, 64, 1, 1], bias: true, options: { stride: 2 } },
      { x: [3, 40, 9, 9], w: [16, 40, 3, 3], bias: false, options: { padding: 1 } },
      { x: [2, 96, 6, 6], w: [20, 48, 3, 3], bias: true, options: { padding: 1, groups: 2 } },
    ] as ConvCase[]) {
      const d = convData(c, rand);
      expectSame(runConv(two, c, d), runConv(one, c, d), runConv(js, c, d), `dW ranges: x [${c.x}] w [${c.w}] ${JSON.stringify(c.options)}`);
    }
  });

  // dW of a conv whose input channels give fewer 8-channel ranges than threads (the stem: Cin = 1) splits
  // samples: part j ≥ 1 sums its samples into a partial, the partials are added in part order. dW is then
  // the batch sum grouped by part: ≈ one thread (float32 regrouping), and the same bits on every run.
  // y, dx and db (split by output channels) stay the one-thread bits.
  it('dW of few input channels split by samples: ≈ 1 thread, deterministic, vs js', () => {
    const rand = seededRandom(59);
    for (const c of [
      { x: [16, 1, 12, 12], w: [8, 1, 3, 3], bias: true, options: { padding: 1 } },       // the stem, small
      { x: [64, 1, 28, 28], w: [32, 1, 3, 3], bias: false, options: { padding: 1 } },     // the stem of bench:train
      { x: [9, 3, 10, 10], w: [5, 3, 3, 3], bias: true, options: { stride: 2 } },         // 9 samples in 8 parts
      { x: [11, 6, 7, 9], w: [7, 6, 1, 1], bias: true, options: { stride: [2, 1] } },     // 1×1 stride 2 (column path)
    ] as ConvCase[]) {
      const d = convData(c, rand);
      const label = `dW by samples: x [${c.x}] w [${c.w}] ${JSON.stringify(c.options)}`;
      const got = runConv(two, c, d), want = runConv(one, c, d), ref = runConv(js, c, d);
      for (const key of ['y', 'dx', 'db'] as const) {
        if (want[key] === undefined) continue;
        expect(maxAbsDiff(got[key]!, want[key]!), `${label}: ${key} differs from 1 thread`).toBe(0);
      }
      expectAllClose(got.dw!, want.dw!, { rtol: 1e-5, atol: 0 }, `${label}: dw vs 1 thread`);
      expectAllClose(got.dw!, ref.dw!, VS_JS, `${label}: dw vs js`);
      const again = runConv(two, c, d);
      expect(maxAbsDiff(again.dw!, got.dw!), `${label}: dw differs between runs`).toBe(0);
    }
  });

  // Few output pixels, many output channels: conv2dForwardPart splits the output channels (rows of
  // the GEMM, multiples of 4) instead of the pixels. Channel counts not a multiple of 4 × parts,
  // groups (parts straddle a group boundary), batch > 1 with and without batched columns, 1×1 and k×k.
  it('forward split by output channels (few pixels, many channels)', () => {
    const rand = seededRandom(31);
    for (const c of [
      { x: [1, 64, 7, 7], w: [300, 64, 1, 1], bias: true, options: {} },                          // 1×1, 49 px, rows
      { x: [1, 8, 6, 6], w: [262, 8, 3, 3], bias: true, options: { padding: 1 } },                // 3×3, 36 px
      { x: [1, 24, 14, 14], w: [130, 24, 3, 3], bias: false, options: { stride: 2, padding: 1 } }, // 3×3 s2, 49 px: 2 row parts
      { x: [3, 12, 6, 6], w: [202, 12, 3, 3], bias: true, options: { padding: 1 } },              // batch 3, columns batched across samples
      { x: [3, 32, 5, 5], w: [302, 16, 1, 1], bias: true, options: { groups: 2 } },               // groups 2 × 151 rows, batch 3
      { x: [2, 16, 12, 12], w: [206, 16, 1, 1], bias: false, options: {} },                       // 144 px ≥ 128: per-sample GEMMs, batch 2
      { x: [2, 18, 7, 7], w: [99, 6, 3, 3], bias: true, options: { groups: 3, padding: 1 } },     // groups 3 × 33 rows
    ] as ConvCase[]) {
      const d = convData(c, rand);
      expectSame(runConv(two, c, d), runConv(one, c, d), runConv(js, c, d), `rows: x [${c.x}] w [${c.w}] ${JSON.stringify(c.options)}`);
    }
  });

  // Depthwise backward is one fused kernel (dx, dW, db) whose parts split channels: every plane
  // kernel, multiplier 1–3, batch 1–4, fewer channels than parts, and each `needs` subset.
  it('depthwise backward, fused and split by channels (3×3 / 5×5, stride 1 / 2, needs subsets)', () => {
    const rand = seededRandom(77);
    const cases: ConvCase[] = [
      { x: [4, 24, 14, 14], w: [24, 1, 3, 3], bias: true, options: { padding: 1, groups: 24 } },
      { x: [2, 16, 17, 15], w: [32, 1, 3, 3], bias: true, options: { stride: 2, padding: 1, groups: 16 } },
      { x: [3, 12, 13, 12], w: [12, 1, 5, 5], bias: false, options: { padding: 2, groups: 12 } },
      { x: [2, 10, 15, 13], w: [30, 1, 5, 5], bias: true, options: { stride: 2, padding: 2, groups: 10 } },
      { x: [1, 3, 9, 11], w: [6, 1, 3, 3], bias: true, options: { padding: [0, 1], groups: 3 } },
      { x: [2, 5, 10, 9], w: [5, 1, 3, 3], bias: true, options: { padding: 2, dilation: 2, groups: 5 } },
    ];
    for (const c of cases) {
      const d = convData(c, rand);
      const label = `depthwise x [${c.x}] w [${c.w}] ${JSON.stringify(c.options)}`;
      const full = runConv(one, c, d);
      expectSame(runConv(two, c, d), full, runConv(js, c, d), label);
      for (const needs of [{ dx: true, dw: false, db: false }, { dx: false, dw: true, db: true }]) {
        const run = (m: Backend) => m.scope(() => {
          const x = m.tensor(d.x!, c.x);
          const w = m.tensor(d.w!, c.w);
          const dy = m.tensor(randomArray(full.y!.length, seededRandom(7)), [c.x[0], c.w[0], ...yShape(m, c, d)]);
          const g = m.conv2dBackward(x, w, dy, { ...c.options, needs });
          return { dx: g.dx?.toFloat32Array(), dw: g.dw?.toFloat32Array(), db: g.db?.toFloat32Array() };
        });
        const a = run(two), b = run(one);
        for (const key of ['dx', 'dw', 'db'] as const) {
          if (!needs[key]) expect(a[key], `${label} ${key}`).toBeUndefined();
          else expect(maxAbsDiff(a[key]!, b[key]!), `${label} ${JSON.stringify(needs)} ${key}`).toBe(0);
        }
      }
    }
  });

  // Row splits use a multiple of the threads (parts / 4) and put each boundary on the nearest
  // 4-row tile or, with the relaxed build's pre-packed weights, 5-row panel: 2 and 3 threads, row
  // counts whose halves / thirds round up and down, the one-shot conv2d and a prepared conv.
  it('forward split by output channels on 2 and 3 threads (plain and pre-packed weights)', async () => {
    const three = await init({ backend: build, threads: 3, threadMinFlops: 0 });
    try {
      const rand = seededRandom(43);
      for (const c of [
        { x: [1, 16, 7, 7], w: [256, 16, 3, 3], bias: true, options: { padding: 1 } },  // 2 row parts: 130 + 126 packed
        { x: [1, 24, 7, 7], w: [212, 24, 3, 3], bias: false, options: { padding: 1 } }, // 106 → 105 / 108 + 104
        { x: [1, 32, 14, 14], w: [330, 32, 3, 3], bias: true, options: { stride: 2, padding: 1 } },
        { x: [1, 40, 7, 7], w: [600, 40, 1, 1], bias: true, options: {} },                // 1×1: 4 / 3 row parts
      ] as ConvCase[]) {
        const d = convData(c, rand);
        const label = `rows: x [${c.x}] w [${c.w}] ${JSON.stringify(c.options)}`;
        const want = runConv(one, c, d);
        const viaPrepared = (m: Backend) => m.scope(() => {
          const { stride, padding, dilation, groups } = c.options;
          const conv = prepareConv2d(c.x, m.tensor(d.w!, c.w), { stride, padding, dilation, groups, bias: c.bias ? m.tensor(d.b!, [c.w[0]]) : null });
          const out = m.zeros(conv.outputShape);
          conv.run(m.tensor(d.x!, c.x), out);
          conv.dispose();
          return out.toFloat32Array();
        });
        const prepOne = viaPrepared(one);
        for (const [threads, m] of [[2, two], [3, three]] as const) {
          expect(maxAbsDiff(runConv(m, c, d).y!, want.y!), `${label}, ${threads} threads`).toBe(0);
          expect(maxAbsDiff(viaPrepared(m), prepOne), `${label}, prepared, ${threads} threads`).toBe(0);
        }
        expectAllClose(prepOne, want.y!, VS_JS, `${label}: prepared vs conv2d`);
      }
    } finally {
      three.dispose();
    }
  });

  // The composed DCD eval forward: one job whose last part runs the dynamic parts (pool, branch,
  // latent path) beside the static conv's parts, then λ and the projection with the fused output.
  // λ scales y after the conv (the one-thread relaxed kernel may fold it into W0's packing), so
  // equal to one thread up to float32 rounding. The effective-weights path splits W(x)'s rows
  // (dcdEffectiveWeightPart) and the conv: the one-thread bits. Every state tensor random so each
  // path matters; Φ in blocks, a 3×3 q and a 1×1 q on a 3×3 W0's centre tap, the Λ- and Φ-only variants.
  it('DCD eval forward on threads: composed (dynamic parts beside the conv) and effective weights (split rows)', () => {
    const layers: [string, (m: Backend) => DcdLayer, number[]][] = [
      ['conv_basic_dy 48→72 s2 (row split)', (m) => new DCDBasicConv2d(m, { inChannels: 48, outChannels: 72, stride: 2, seed: 4 }), [1, 48, 14, 14]],
      ['conv_dy 3×3 16→24, 3×3 q', (m) => new DCDConv2d(m, { inChannels: 16, outChannels: 24, kernelSize: 3, padding: 1, qKernel: 'k', seed: 5 }), [3, 16, 12, 12]],
      ['DYModule 1×1 32→40', (m) => new DYModule(m, { inChannels: 32, outChannels: 40, seed: 6 }), [3, 32, 9, 9]],
      ['DYCls 40→300 (vectors)', (m) => new DYCls(m, { inChannels: 40, outChannels: 300, seed: 10 }), [3, 40]],
      ['conv_dy 3×3 24→36, Λ only', (m) => new DCDConv2d(m, { inChannels: 24, outChannels: 36, kernelSize: 3, padding: 1, variant: 'lambda-only', seed: 8 }), [2, 24, 8, 8]],
      ['conv_dy 1×1 64→48, Φ only', (m) => new DCDConv2d(m, { inChannels: 64, outChannels: 48, kernelSize: 1, variant: 'phi-only', seed: 9 }), [1, 64, 6, 6]],
      ['conv_dy 1×1 96→130, Φ in 2 blocks', (m) => new DCDConv2d(m, { inChannels: 96, outChannels: 130, kernelSize: 1, blocks: 2, latent: 10, seed: 7 }), [1, 96, 7, 7]],
    ];
    const rand = seededRandom(61);
    for (const [name, make, xShape] of layers) {
      const a = make(two).eval(), b = make(one).eval();
      try {
        const state: Record<string, { shape: number[]; data: Float32Array }> = {};
        for (const [key, t] of a.namedState()) {
          const data = randomArray(t.size, rand).map((v) => (/running_var/.test(key) ? 0.5 + Math.abs(v) : 0.5 * v));
          state[key] = { shape: [...t.shape], data };
        }
        a.loadStateDict(state);
        b.loadStateDict(state);
        const x = randomArray(product(xShape), rand);
        const run = (m: Backend, layer: DcdLayer, fused: boolean, evalStrategy: 'composed' | 'weights') => m.scope(() => {
          const st = Object.fromEntries(layer.namedState());
          const xt = m.tensor(x, xShape);
          const plain = m.dcdForward(layer.dims, st, xt, { training: false, needsBackward: false, evalStrategy }).y;
          if (!fused) return plain.toFloat32Array();
          const residual = m.tensor(randomArray(plain.size, seededRandom(3)), plain.shape);
          const postBias = m.tensor(randomArray(layer.dims.cout, seededRandom(4)), [layer.dims.cout]);
          return m.dcdForward(layer.dims, st, xt, {
            training: false, needsBackward: false, evalStrategy, postBias, residual, activation: 'relu',
          }).y.toFloat32Array();
        });
        for (const fused of [false, true]) {
          const label = `${name}${fused ? ', fused output' : ''}`;
          const got = run(two, a, fused, 'composed'), want = run(one, b, fused, 'composed');
          expect(maxAbsDiff(got, want) / maxAbs(want), `${label}, composed`).toBeLessThanOrEqual(1e-6);
          expect(maxAbsDiff(run(two, a, fused, 'weights'), run(one, b, fused, 'weights')), `${label}, effective weights`).toBe(0);
        }
      } finally {
        a.dispose();
        b.dispose();
      }
    }
  });

  // Pooling splits planes (sample, channel): the stem's max pool and odd shapes (fewer planes than
  // parts, padding, dilation, ceil mode), bit-identical to one thread.
  it('max and adaptive average pools split by planes', () => {
    const rand = seededRandom(17);
    for (const [shape, options] of [
      [[1, 64, 112, 112], { kernelSize: 3, stride: 2, padding: 1 }],
      [[3, 5, 17, 13], { kernelSize: 3, stride: 2, padding: 1, ceilMode: true }],
      [[1, 3, 9, 11], { kernelSize: [2, 3], stride: 1, dilation: 2 }],
      [[2, 7, 8, 8], { kernelSize: 2 }],
    ] as [number[], Parameters<Backend['maxPool2d']>[1]][]) {
      const x = randomArray(product(shape), rand);
      const run = (m: Backend) => m.scope(() => m.maxPool2d(m.tensor(x, shape), options).toFloat32Array());
      expect(maxAbsDiff(run(two), run(one)), `max pool [${shape}] ${JSON.stringify(options)}`).toBe(0);
      // adaptive average pooling splits planes the same way (DCD's global and 2×2 pooled descriptors)
      for (const size of [[1, 1], [2, 2], [3, 5]] as [number, number][]) {
        const avg = (m: Backend) => m.scope(() => m.adaptiveAvgPool2d(m.tensor(x, shape), size).toFloat32Array());
        expect(maxAbsDiff(avg(two), avg(one)), `adaptive avg pool [${shape}] → ${size}`).toBe(0);
      }
    }
  });

  it('random linear shapes (split by rows or by columns)', () => {
    const rand = seededRandom(99);
    for (let trial = 0; trial < 12; trial++) {
      const n = randomInt(rand, 1, 70), inF = randomInt(rand, 1, 90), outF = randomInt(rand, 1, 70), bias = rand() > 0;
      const d = { x: randomArray(n * inF, rand), w: randomArray(outF * inF, rand), b: randomArray(outF, rand), dy: randomArray(n * outF, rand) };
      const run = (m: Backend) => runLinear(m, n, inF, outF, bias, d);
      expectSame(run(two), run(one), run(js), `linear ${n}×${inF}→${outF}`);
    }
  });

  it('default threshold: a ResNet-sized conv is split, a tiny one is not (same results either way)', async () => {
    const m = await init({ backend: build, threads: 2 });
    try {
      const rand = seededRandom(5);
      for (const c of [
        { x: [1, 64, 28, 28], w: [64, 64, 3, 3], bias: true, options: { padding: 1 } },
        { x: [1, 3, 5, 5], w: [2, 3, 3, 3], bias: false, options: {} },
      ] as ConvCase[]) {
        const d = convData(c, rand);
        expectSame(runConv(m, c, d), runConv(one, c, d), runConv(js, c, d), `x [${c.x}]`);
      }
    } finally {
      m.dispose();
    }
  });

  it('DCD layers prepared for inference (composed and effective-weights paths): = dcdForward here, ≈ one thread', () => {
    const layers: [(m: Backend) => DcdLayer, number[]][] = [
      [(m) => new DYModule(m, { inChannels: 12, outChannels: 20, seed: 3 }), [2, 12, 9, 9]],
      [(m) => new DCDBasicConv2d(m, { inChannels: 8, outChannels: 8, seed: 2 }), [2, 8, 10, 10]],
    ];
    for (const [make, xShape] of layers) {
      for (const evalStrategy of ['composed', 'weights'] as const) {
        const results = [two, one].map((m) => m.scope(() => {
          const layer = make(m).eval();
          const state = Object.fromEntries(layer.namedState());
          const rand = seededRandom(17);
          const x = m.tensor(randomArray(product(xShape), rand), xShape);
          const yShape = m.dcdForward(layer.dims, state, x, { training: false, needsBackward: false }).y.shape;
          const postBias = m.tensor(randomArray(layer.dims.cout, rand), [layer.dims.cout]);
          const residual = m.tensor(randomArray(product(yShape), rand), yShape);
          const options = { postBias, activation: 'relu6', evalStrategy } as const;
          const op = prepareDcdForward(layer.dims, state, xShape, { ...options, residual: true });
          const out = m.zeros(yShape);
          op.run(x, out, residual);
          const want = m.dcdForward(layer.dims, state, x, { training: false, needsBackward: false, ...options, residual }).y;
          op.dispose();
          layer.dispose();
          return { prepared: out.toFloat32Array(), op: want.toFloat32Array() };
        }));
        const label = `${xShape} ${evalStrategy}`;
        expect(maxAbsDiff(results[0].prepared, results[0].op), `${label}: prepared vs dcdForward, 2 threads`).toBe(0);
        expectAllClose(results[0].prepared, results[1].prepared, { rtol: 1e-5, atol: 1e-5 }, `${label}: 2 threads vs 1`);
      }
    }
  });

  it('works after the shared memory grows (workers see the new pages)', () => {
    const before = two.info().memoryBytes;
    const big = two.zeros([64, 1024, 1024]); // 256 MiB
    expect(two.info().memoryBytes).toBeGreaterThan(before);
    try {
      const rand = seededRandom(11);
      const c: ConvCase = { x: [2, 16, 20, 20], w: [24, 16, 3, 3], bias: true, options: { padding: 1 } };
      const d = convData(c, rand);
      expectSame(runConv(two, c, d), runConv(one, c, d), runConv(js, c, d), 'after grow');
    } finally {
      big.dispose();
    }
  });

  it('dispose() ends the workers; the backend keeps working on one thread', async () => {
    const m = await init({ backend: build, threads: 2, threadMinFlops: 0 });
    const rand = seededRandom(3);
    const c: ConvCase = { x: [1, 8, 12, 12], w: [16, 8, 3, 3], bias: true, options: { padding: 1 } };
    const d = convData(c, rand);
    const x = m.tensor(d.x!, c.x);
    m.dispose();
    m.dispose(); // idempotent
    expect(m.info().threads).toBe(1);
    expect(x.toFloat32Array()).toEqual(d.x);
    expectSame(runConv(m, c, d), runConv(one, c, d), runConv(js, c, d), 'after dispose');
  });
});
}
