/**
 * Fuzzers (issue 13), seeded so every failure reproduces (DCD_FUZZ_SEED; DCD_FUZZ=long for thousands):
 * - random valid conv2d configurations — groups, depthwise, stride / padding / dilation including
 *   extreme values up to 2^31 − 1 — forward and backward on every backend against a float64 direct
 *   convolution, and the threaded backend (parts forced) bit-identical to one thread;
 * - random dynamic-convolution and DCD configurations (every kind, variant, blocks, qKernel, stride,
 *   train and eval), forward and backward, every wasm backend against the js reference;
 * - random invalid arguments of every kind: each call succeeds or throws a typed DcdError (never a
 *   TypeError / RangeError / trap), leaks nothing, and the instance still computes correctly.
 * The wasm instances run with debug.poison: free memory is NaN, so a read of memory a kernel never
 * wrote shows up as NaN in the comparison.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DcdError, init, resolveDcdConfig, Tensor, type Backend, type Conv2dGeometry, type DcdConfig,
} from '../../bindings/index';
import { dcdTensorSpecs } from '../../bindings/ops/dcd';
import { threadsUnavailableReason } from '../../bindings/runtime/threads/support';
import { BACKENDS } from '../harness/backends';
import { FUZZ_SEED, fuzzCount, FUZZ_TIMEOUT } from '../harness/fuzz';
import { expectAllClose, product, randomArray, randomInt, seededRandom, type Tolerance } from '../harness/numeric';

/** it() with the long mode's timeout (tests/harness/fuzz.ts). */
const itLong = (name: string, body: () => Promise<void>) => it(name, body, FUZZ_TIMEOUT);


const BIG = 2 ** 31 - 1;
const CONV_CASES = fuzzCount(40, 3000);
const DYNAMIC_CASES = fuzzCount(8, 500);
const DCD_CASES = fuzzCount(10, 500);
const INVALID_CASES = fuzzCount(150, 5000);

type Pair = [number, number];
interface ConvConfig { x: number[]; w: number[]; bias: boolean; stride: Pair; padding: Pair; dilation: Pair; groups: number; oh: number; ow: number }

const outSide = (input: number, k: number, s: number, p: number, d: number) => Math.floor((input + 2 * p - d * (k - 1) - 1) / s) + 1;

/** One axis: mostly ordinary, sometimes extreme (huge stride, padding or dilation with a small output). */
function randomAxis(rand: () => number, input: number, k: number): { s: number; p: number; d: number } {
  for (;;) {
    const extreme = rand() < -0.6; // ~20 %
    const pick = () => [2 ** 20, 2 ** 28, 2 ** 29 + 5, 2 ** 30, BIG - 1, BIG][randomInt(rand, 0, 5)];
    let s = randomInt(rand, 1, 3), p = randomInt(rand, 0, 2), d = randomInt(rand, 1, 2);
    if (extreme) {
      const which = randomInt(rand, 0, 3);
      if (which === 0) s = pick();
      else if (which === 1) { p = pick(); s = Math.max(pick(), p); }
      else if (which === 2 && k > 1) { d = pick(); p = Math.min(BIG, Math.ceil((d * (k - 1)) / 2) + randomInt(rand, -1, 1)); s = pick(); }
      else { p = pick(); d = k > 1 ? Math.min(BIG, p) : 1; s = randomInt(rand, 1, 3); }
      p = Math.max(0, Math.min(BIG, p));
    }
    const o = outSide(input, k, s, p, d);
    if (o >= 1 && o <= 12) return { s, p, d };
  }
}

function randomConv(rand: () => number): ConvConfig {
  const depthwise = rand() < -0.6;
  const groups = depthwise ? randomInt(rand, 2, 4) : [1, 1, 2, 3][randomInt(rand, 0, 3)];
  const c = depthwise ? groups : groups * randomInt(rand, 1, 3);
  const k = groups * randomInt(rand, 1, depthwise ? 2 : 3);
  const x = [randomInt(rand, 1, 2), c, randomInt(rand, 1, 9), randomInt(rand, 1, 9)];
  const w = [k, c / groups, randomInt(rand, 1, 4), randomInt(rand, 1, 4)];
  const h = randomAxis(rand, x[2], w[2]), v = randomAxis(rand, x[3], w[3]);
  return {
    x, w, bias: rand() > 0, groups,
    stride: [h.s, v.s], padding: [h.p, v.p], dilation: [h.d, v.d],
    oh: outSide(x[2], w[2], h.s, h.p, h.d), ow: outSide(x[3], w[3], v.s, v.p, v.d),
  };
}

/** Float64 direct convolution and its gradients, with Σ|terms| per element for the error bound. */
function conv64(c: ConvConfig, x: Float32Array, w: Float32Array, b: Float32Array, dy: Float32Array) {
  const [N, C, H, W] = c.x, [K, cg, KH, KW] = c.w, { oh: OH, ow: OW } = c;
  const kg = K / c.groups;
  const y = new Float64Array(N * K * OH * OW), yAbs = new Float64Array(y.length);
  const dx = new Float64Array(x.length), dxAbs = new Float64Array(x.length);
  const dw = new Float64Array(w.length), dwAbs = new Float64Array(w.length);
  const db = new Float64Array(K), dbAbs = new Float64Array(K);
  for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) for (let i = 0; i < OH; i++) for (let j = 0; j < OW; j++) {
    const yi = ((n * K + k) * OH + i) * OW + j, g = dy[yi];
    let acc = c.bias ? b[k] : 0, abs = Math.abs(acc);
    db[k] += g; dbAbs[k] += Math.abs(g);
    for (let ci = 0; ci < cg; ci++) {
      const ch = Math.floor(k / kg) * cg + ci;
      for (let u = 0; u < KH; u++) {
        const ih = i * c.stride[0] - c.padding[0] + u * c.dilation[0];
        if (ih < 0 || ih >= H) continue;
        for (let v = 0; v < KW; v++) {
          const iw = j * c.stride[1] - c.padding[1] + v * c.dilation[1];
          if (iw < 0 || iw >= W) continue;
          const xi = ((n * C + ch) * H + ih) * W + iw, wi = ((k * cg + ci) * KH + u) * KW + v;
          acc += x[xi] * w[wi]; abs += Math.abs(x[xi] * w[wi]);
          dx[xi] += g * w[wi]; dxAbs[xi] += Math.abs(g * w[wi]);
          dw[wi] += g * x[xi]; dwAbs[wi] += Math.abs(g * x[xi]);
        }
      }
    }
    y[yi] = acc; yAbs[yi] = abs;
  }
  return { y: [y, yAbs], dx: [dx, dxAbs], dw: [dw, dwAbs], db: [db, dbAbs] } as const;
}

/** float32 vs float64: each element within 1e-5 of its own Σ|terms| (plus a hair), NaN never. */
function expectNear64(got: Float32Array, [want, abs]: readonly [Float64Array, Float64Array], label: string): void {
  expect(got.length, label).toBe(want.length);
  for (let i = 0; i < got.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    const bound = 1e-5 * abs[i] + 1e-7;
    if (!(err <= bound)) expect(err, `${label}[${i}]: got ${got[i]}, float64 ${want[i]} (Σ|terms| ${abs[i]})`).toBeLessThanOrEqual(bound);
  }
}

function runConv(m: Backend, c: ConvConfig, d: Record<'x' | 'w' | 'b' | 'dy', Float32Array>) {
  const geometry: Conv2dGeometry = { stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups };
  return m.scope(() => {
    const x = m.tensor(d.x, c.x), w = m.tensor(d.w, c.w);
    const y = m.conv2d(x, w, { ...geometry, bias: c.bias ? m.tensor(d.b, [c.w[0]]) : undefined });
    const g = m.conv2dBackward(x, w, m.tensor(d.dy, y.shape), { ...geometry, bias: c.bias });
    return { y: y.toFloat32Array(), dx: g.dx!.toFloat32Array(), dw: g.dw!.toFloat32Array(), db: g.db?.toFloat32Array() };
  });
}

const instance = (backend: (typeof BACKENDS)[number]) => init(backend === 'js' ? { backend } : { backend, debug: { poison: true } });

describe(`fuzz: ${CONV_CASES} random conv2d configurations (seed ${FUZZ_SEED}) vs float64`, () => {
  for (const backend of BACKENDS) {
    itLong(backend, async () => {
      const m = await instance(backend);
      const rand = seededRandom(FUZZ_SEED);
      for (let i = 0; i < CONV_CASES; i++) {
        const c = randomConv(rand);
        const d = { x: randomArray(product(c.x), rand), w: randomArray(product(c.w), rand), b: randomArray(c.w[0], rand),
          dy: randomArray(c.x[0] * c.w[0] * c.oh * c.ow, rand) };
        const label = `case ${i} x [${c.x}] w [${c.w}] s [${c.stride}] p [${c.padding}] d [${c.dilation}] g ${c.groups}`;
        const got = runConv(m, c, d), want = conv64(c, d.x, d.w, d.b, d.dy);
        expectNear64(got.y, want.y, `${backend} ${label} y`);
        expectNear64(got.dx, want.dx, `${backend} ${label} dx`);
        expectNear64(got.dw, want.dw, `${backend} ${label} dw`);
        if (c.bias) expectNear64(got.db!, want.db, `${backend} ${label} db`);
      }
      expect(m.memoryStats().liveTensors).toBe(0);
    });
  }

  const noThreads = threadsUnavailableReason();
  (noThreads === null ? itLong : it.skip)('threads (every op split into parts) are bit-identical to one thread', async () => {
    // The same build on both sides: 'auto' threads pick the relaxed-SIMD threads build where relaxed SIMD
    // validates (FMA: other bits than plain SIMD), so the one-thread side runs whatever the pool runs.
    const many = await init({ threads: 2, threadMinFlops: 0, debug: { poison: true } });
    const one = await init({ backend: many.info().backend as 'wasm-simd' | 'wasm-relaxed-simd' });
    try {
      const rand = seededRandom(FUZZ_SEED + 1);
      for (let i = 0; i < Math.ceil(CONV_CASES / 2); i++) {
        const c = randomConv(rand);
        const d = { x: randomArray(product(c.x), rand), w: randomArray(product(c.w), rand), b: randomArray(c.w[0], rand),
          dy: randomArray(c.x[0] * c.w[0] * c.oh * c.ow, rand) };
        expect(runConv(many, c, d), `case ${i} ${JSON.stringify(c)}`).toEqual(runConv(one, c, d));
      }
    } finally {
      many.dispose();
    }
  });
});

// ------------------------------------------------------------ dynamic conv and DCD vs the reference

const VS_JS: Tolerance = { rtol: 2e-4, atol: 1e-5 };

function randomDynamic(rand: () => number) {
  const groups = [1, 1, 2][randomInt(rand, 0, 2)];
  const cin = groups * randomInt(rand, 1, 3), cout = groups * randomInt(rand, 1, 3), kernels = randomInt(rand, 1, 4);
  const kh = randomInt(rand, 1, 3), kw = randomInt(rand, 1, 3), h = randomInt(rand, kh, 8), w = randomInt(rand, kw, 8);
  const sigmoid = rand() > 0.3, hidden = randomInt(rand, 1, 5), bias = rand() > 0;
  const extreme = rand() < -0.7;
  const options = {
    ...(sigmoid ? { mode: 'sigmoid' as const } : { temperature: 0.5 + 30 * (rand() + 1) }),
    stride: extreme ? [BIG, randomInt(rand, 1, 2)] as Pair : [randomInt(rand, 1, 2), randomInt(rand, 1, 2)] as Pair,
    padding: [randomInt(rand, 0, Math.floor(kh / 2)), randomInt(rand, 0, Math.floor(kw / 2))] as Pair,
    groups,
  };
  const shapes: Record<string, number[]> = { weight: [kernels, cout, cin / groups, kh, kw] };
  if (bias) shapes.bias = [kernels, cout];
  Object.assign(shapes, sigmoid ? { 'routing.weight': [kernels, cin], 'routing.bias': [kernels] }
    : { 'attention.fc1.weight': [hidden, cin], 'attention.fc1.bias': [hidden], 'attention.fc2.weight': [kernels, hidden], 'attention.fc2.bias': [kernels] });
  return { x: [randomInt(rand, 1, 3), cin, h, w], shapes, options };
}

function runDynamic(m: Backend, c: ReturnType<typeof randomDynamic>, seed: number) {
  const rand = seededRandom(seed);
  return m.scope(() => {
    const state = Object.fromEntries(Object.entries(c.shapes).map(([k, s]) => [k, m.tensor(randomArray(product(s), rand), s)]));
    const x = m.tensor(randomArray(product(c.x), rand), c.x);
    const y = m.dynamicConv2d(x, state, c.options);
    const g = m.dynamicConv2dBackward(x, state, m.tensor(randomArray(y.size, rand), y.shape), c.options);
    return [y, g.dx, ...Object.keys(c.shapes).map((k) => g.params[k])].map((t) => t.toFloat32Array());
  });
}

function randomDcd(rand: () => number): DcdConfig {
  const kind = (['conv_dy', 'conv_basic_dy', 'DYModule', 'DYCls'] as const)[randomInt(rand, 0, 3)];
  const blocks = rand() < -0.6 && kind !== 'DYCls' ? 2 : 1;
  const cin = blocks * randomInt(rand, 2, 10), cout = blocks * randomInt(rand, 2, 10);
  const variant = (['full', 'full', 'lambda-only', 'phi-only'] as const)[randomInt(rand, 0, 3)];
  const base = { kind, inChannels: cin, outChannels: cout, variant } as DcdConfig;
  const latent = blocks * randomInt(rand, 1, 3);
  const extras = { ...(blocks > 1 ? { blocks, latent } : {}), ...(rand() < -0.5 ? { squeeze: randomInt(rand, 0, 6) } : {}) };
  const stride = rand() < -0.8 ? BIG : randomInt(rand, 1, 2);
  switch (kind) {
    case 'conv_dy': {
      const k = [1, 3, 5][randomInt(rand, 0, 2)];
      return { ...base, ...extras, kernelSize: k, padding: (k - 1) / 2, stride, ...(rand() > 0.3 ? { qKernel: 'k' as const } : {}) };
    }
    case 'conv_basic_dy': return { ...base, ...extras, stride };
    case 'DYModule': return { ...base, ...extras };
    default: return { ...base, ...(extras.squeeze === undefined ? {} : {}) };
  }
}

function runDcd(m: Backend, config: DcdConfig, training: boolean, seed: number) {
  const rand = seededRandom(seed);
  const d = resolveDcdConfig(config);
  return m.scope(() => {
    const state = Object.fromEntries(dcdTensorSpecs(d).map((s) => [s.name, m.tensor(s.name.endsWith('running_var')
      ? randomArray(product(s.shape), rand).map((v) => 1 + 0.5 * v) : randomArray(product(s.shape), rand).map((v) => 0.4 * v), s.shape)]));
    // DYCls trains BatchNorm1d on N values per channel: with N = 2 its gradients amplify float32
    // rounding past VS_JS (seed 5, case 348: wasm and js 1.6e-4 apart, both backends alike) — use N ≥ 3.
    const n = d.kind === 'DYCls' ? randomInt(rand, 3, 4) : randomInt(rand, 2, 3);
    const xShape = d.kind === 'DYCls' ? [n, d.cin] : [n, d.cin, randomInt(rand, 3, 7), randomInt(rand, 3, 7)];
    const x = m.tensor(randomArray(product(xShape), rand), xShape);
    const { y, cache } = m.dcdForward(d, state, x, { training });
    const g = m.dcdBackward(d, state, cache!, m.tensor(randomArray(y.size, rand), y.shape));
    cache!.dispose();
    return [y, g.dx, ...Object.keys(g.params).sort().map((k) => g.params[k]), state['bn1.running_mean']]
      .filter((t) => t !== undefined).map((t) => t.toFloat32Array());
  });
}

describe(`fuzz: ${DYNAMIC_CASES} dynamic-conv and ${DCD_CASES} DCD configurations (seed ${FUZZ_SEED}) vs the js reference`, () => {
  let js: Backend;
  beforeAll(async () => {
    js = await init({ backend: 'js' });
  });
  for (const backend of BACKENDS.filter((b) => b !== 'js')) {
    itLong(`dynamicConv2d [${backend}]`, async () => {
      const m = await instance(backend);
      const rand = seededRandom(FUZZ_SEED + 2);
      for (let i = 0; i < DYNAMIC_CASES; i++) {
        const c = randomDynamic(rand);
        const got = runDynamic(m, c, i), want = runDynamic(js, c, i);
        got.forEach((a, j) => expectAllClose(a, want[j], VS_JS, `case ${i} ${JSON.stringify(c)} result ${j}`));
      }
    });

    itLong(`DCD [${backend}]`, async () => {
      const m = await instance(backend);
      const rand = seededRandom(FUZZ_SEED + 3);
      for (let i = 0; i < DCD_CASES; i++) {
        const config = randomDcd(rand), training = rand() > 0;
        const got = runDcd(m, config, training, i), want = runDcd(js, config, training, i);
        got.forEach((a, j) => expectAllClose(a, want[j], VS_JS, `case ${i} ${JSON.stringify(config)} training ${training} result ${j}`));
      }
    });
  }
});

// ------------------------------------------------------------ invalid arguments

const JUNK: (() => unknown)[] = [
  () => undefined, () => null, () => NaN, () => Infinity, () => -1, () => 0, () => 1.5, () => 2 ** 31, () => BIG, () => -(2 ** 31),
  () => 'x', () => '', () => 'same', () => true, () => ({}), () => [], () => [1], () => [1, 2, 3], () => [0, 0], () => [NaN, 1],
  // eslint-disable-next-line no-sparse-arrays
  () => [1, , 3], () => new Float32Array(3), () => new Float64Array(4), () => Symbol('s'), () => 10n, () => () => 1,
  () => Object.create(Tensor.prototype), () => ({ shape: [1], data: new Float32Array(1) }), () => Object.create(null),
];

/** A valid call with one slot replaced by junk (or a tensor of the wrong shape / state / instance). */
type Mutant = (m: Backend, other: Backend, rand: () => number) => unknown;

function junkOrTensor(m: Backend, other: Backend, rand: () => number): unknown {
  const r = randomInt(rand, 0, JUNK.length + 3);
  if (r < JUNK.length) return JUNK[r]();
  if (r === JUNK.length) { const t = m.zeros([1, 2, 3, 3]); t.dispose(); return t; }
  if (r === JUNK.length + 1) return other.zeros([1, 2, 3, 3]);
  return m.zeros([randomInt(rand, 1, 2), randomInt(rand, 1, 3), randomInt(rand, 1, 4), randomInt(rand, 1, 4)]);
}

function mutate<T extends unknown[]>(args: T, rand: () => number, junk: () => unknown): T {
  const out = args.slice() as T;
  const i = randomInt(rand, 0, out.length - 1);
  const a = out[i];
  if (a && typeof a === 'object' && !(a instanceof Tensor) && !Array.isArray(a) && rand() > -0.3) {
    const keys = Object.keys(a);
    const key = rand() > 0.5 || keys.length === 0 ? ['stride', 'padding', 'dilation', 'groups', 'bias', 'needs', 'training', 'temperature',
      'mode', 'trainig', 'paddin', 'kind', 'cin', 'stride', 'latent', 'needsBackward', 'evalStrategy', 'pool'][randomInt(rand, 0, 17)]
      : keys[randomInt(rand, 0, keys.length - 1)];
    out[i] = { ...a, [key]: junk() };
  } else {
    out[i] = junk();
  }
  return out;
}

const MUTANTS: [string, Mutant][] = [
  ['conv2d', (m, o, rand) => {
    const args = mutate([m.zeros([1, 2, 5, 5]), m.zeros([3, 2, 3, 3]), { padding: 1, stride: 1, bias: m.zeros([3]) }], rand, () => junkOrTensor(m, o, rand));
    return (m.conv2d as (...a: unknown[]) => unknown)(...args);
  }],
  ['conv2dBackward', (m, o, rand) => {
    const args = mutate([m.zeros([1, 2, 5, 5]), m.zeros([3, 2, 3, 3]), m.zeros([1, 3, 5, 5]), { padding: 1, bias: true, needs: { dx: true } }], rand, () => junkOrTensor(m, o, rand));
    return (m.conv2dBackward as (...a: unknown[]) => unknown)(...args);
  }],
  ['linear', (m, o, rand) => {
    const args = mutate([m.zeros([2, 3]), m.zeros([4, 3]), m.zeros([4])], rand, () => junkOrTensor(m, o, rand));
    return (m.linear as (...a: unknown[]) => unknown)(...args);
  }],
  ['dynamicConv2d', (m, o, rand) => {
    const state = { weight: m.zeros([2, 3, 2, 3, 3]), 'routing.weight': m.zeros([2, 2]), 'routing.bias': m.zeros([2]) };
    const args = mutate([m.zeros([1, 2, 5, 5]), state, { mode: 'sigmoid', padding: 1 }], rand, () => junkOrTensor(m, o, rand));
    return (m.dynamicConv2d as (...a: unknown[]) => unknown)(...args);
  }],
  ['dcdForward', (m, o, rand) => {
    const d = resolveDcdConfig({ kind: 'conv_dy', inChannels: 4, outChannels: 4, kernelSize: 3, padding: 1 });
    const state = Object.fromEntries(dcdTensorSpecs(d).map((s) => [s.name, m.zeros(s.shape)]));
    const args = mutate([{ ...d }, state, m.zeros([2, 4, 4, 4]), { training: false, needsBackward: false }], rand, () => junkOrTensor(m, o, rand));
    const result = (m.dcdForward as (...a: unknown[]) => { cache: { dispose(): void } | null })(...args);
    result.cache?.dispose(); // the caller owns the cache (a mutated needsBackward may ask for one)
    return result;
  }],
  ['tensor / zeros / keep / scope', (m, o, rand) => {
    const j = () => junkOrTensor(m, o, rand);
    switch (randomInt(rand, 0, 3)) {
      case 0: return (m.tensor as (...a: unknown[]) => unknown)(...mutate([[1, 2, 3, 4], [2, 2]], rand, j));
      case 1: return (m.zeros as (...a: unknown[]) => unknown)(j());
      case 2: return ((m.keep as (...a: unknown[]) => Tensor)(j())).dispose(); // kept on purpose: free it
      default: return (m.scope as (...a: unknown[]) => unknown)(j());
    }
  }],
  ['init / resolveDcdConfig', (_m, o, rand) => {
    const j = () => junkOrTensor(o, o, rand);
    const config = mutate([{ kind: 'conv_dy', inChannels: 4, outChannels: 4, kernelSize: 3, padding: 1 }], rand, j)[0];
    return resolveDcdConfig(config as DcdConfig);
  }],
];

describe(`fuzz: ${INVALID_CASES} invalid calls (seed ${FUZZ_SEED}) give typed errors and leave the instance working`, () => {
  for (const backend of BACKENDS) {
    itLong(backend, async () => {
      const m = await instance(backend), other = await init({ backend });
      const rand = seededRandom(FUZZ_SEED + 4);
      const check = () => m.scope(() => [...m.conv2d(m.tensor([1, 2, 3, 4], [1, 1, 2, 2]), m.tensor([1, 1, 1, 1], [1, 1, 2, 2])).data]);
      let typed = 0;
      for (let i = 0; i < INVALID_CASES; i++) {
        const [name, mutant] = MUTANTS[randomInt(rand, 0, MUTANTS.length - 1)];
        const before = m.memoryStats();
        try {
          m.scope(() => { mutant(m, other, rand); });
        } catch (e) {
          if (!(e instanceof DcdError)) {
            expect(e instanceof DcdError, `case ${i} (${name}): untyped ${(e as Error)?.constructor?.name}: ${(e as Error)?.message ?? String(e)}`).toBe(true);
          }
          typed++;
        }
        expect(m.memoryStats().liveTensors, `case ${i} (${name}) leaked tensors`).toBe(before.liveTensors);
        expect(m.memoryStats().allocatedBytes, `case ${i} (${name}) leaked bytes`).toBe(before.allocatedBytes);
        if (i % 25 === 0) expect(check()).toEqual([10]);
      }
      expect(check()).toEqual([10]);
      expect(typed).toBeGreaterThan(INVALID_CASES / 2); // the mutations are mostly invalid
    });
  }
});
