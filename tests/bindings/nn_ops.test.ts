/**
 * The network-pieces op group (NnOps) on every backend: every PyTorch fixture case of nn_ops.json
 * (forward and backward, BatchNorm running statistics), dropout masks bit-identical to the TS hash
 * (and the hash to an independent Python implementation), PyTorch's max-pool tie / NaN rules,
 * reshape / clone / axpby, typed errors that leave the backend usable, and no leaked tensors.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import nnJson from '../fixtures/nn_ops.json' with { type: 'json' };
import { asFixtureFile, decodeTensors, type DecodedTensor, type FixtureCase } from '../fixtures/decode';
import {
  DcdError, DisposedTensorError, DTypeError, OptionError, ShapeError, fnv1a32, hash32, hashUnit, init,
  type Activation, type Backend, type Pool2dOptions, type Tensor,
} from '../../bindings/index';
import { threadsUnavailableReason } from '../../bindings/runtime/threads/support';
import { BACKENDS } from '../harness/backends';
import { expectAllClose, randomArray, seededRandom, type Tolerance } from '../harness/numeric';

interface NnFixtureOptions {
  kind?: Activation;
  relu?: boolean;
  training?: boolean;
  momentum?: number;
  eps?: number;
  affine?: boolean;
  trackRunningStats?: boolean;
  residual?: boolean;
  temperature?: number;
  outputSize?: number | [number, number];
  seed?: number;
  kernelSize?: number | [number, number];
}

const cases = asFixtureFile<NnFixtureOptions>(nnJson).cases;

/**
 * PyTorch's float32 results are within ~1e-6 of float64 (see each case's float64Diff); ours sum in
 * another order (and BatchNorm's dx subtracts nearly equal terms), so allow ~30× that. A wrong
 * window, divisor or mask is off by ≥ 1e-2.
 */
const VS_TORCH: Tolerance = { rtol: 3e-5, atol: 1e-6 };

/** expectAllClose where equal entries (also ±∞, as max-pool windows of −∞ give) count as exact. */
function expectClose(got: Float32Array, want: DecodedTensor, label: string): void {
  const a = got.slice();
  const b = want.data.slice();
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) a[i] = b[i] = 0;
  expectAllClose(a, b, VS_TORCH, label);
}

type Run = (m: Backend, t: Record<string, DecodedTensor>, o: NnFixtureOptions, label: string) => void;

const tensorOf = (m: Backend, d: DecodedTensor): Tensor => m.tensor(d.data, d.shape);

/** Runs one fixture case per op name, comparing every stored result. */
const RUNS: Record<string, Run> = {
  activation(m, t, o, label) {
    const kind = o.kind!;
    const x = tensorOf(m, t.x);
    const y = m.activation(kind, x);
    expectClose(y.data, t.y, `${label}: y`);
    if (kind !== 'hsig3') expect(Array.from(m[kind](x).data), `${label}: m.${kind}`).toEqual(Array.from(y.data));
    const dx = m.activationBackward(kind, kind === 'sigmoid' ? y : x, tensorOf(m, t.dy));
    expectClose(dx.data, t.dx, `${label}: dx`);
  },

  add(m, t, o, label) {
    const y = m.add(tensorOf(m, t.a), tensorOf(m, t.b), { relu: o.relu });
    expectClose(y.data, t.y, `${label}: y`);
    const d = o.relu ? m.addReluBackward(y, tensorOf(m, t.dy)).data : t.dy.data;
    expectClose(d, t.da, `${label}: da`);
    expectClose(d, t.db, `${label}: db`);
  },

  batch_norm(m, t, o, label) {
    const x = tensorOf(m, t.x);
    const state = {
      weight: o.affine ? tensorOf(m, t.weight) : null,
      bias: o.affine ? tensorOf(m, t.bias) : null,
      runningMean: o.trackRunningStats ? tensorOf(m, t.running_mean) : null,
      runningVar: o.trackRunningStats ? tensorOf(m, t.running_var) : null,
    };
    const residual = o.residual ? tensorOf(m, t.residual) : null;
    const { y, saved } = m.batchNorm(x, state, { training: o.training!, momentum: o.momentum, eps: o.eps, residual, relu: o.relu });
    expectClose(y.data, t.y, `${label}: y`);
    expect(saved === null, `${label}: saved only in training`).toBe(!o.training);
    if (t.running_mean_out) {
      expectClose(state.runningMean!.data, t.running_mean_out, `${label}: running_mean`);
      expectClose(state.runningVar!.data, t.running_var_out, `${label}: running_var`);
    } else if (o.trackRunningStats) {
      expect(Array.from(state.runningMean!.data), `${label}: eval leaves running_mean`).toEqual(Array.from(t.running_mean.data));
    }
    // batchNormBackward excludes the fused residual/ReLU: the caller routes dy through them
    const dz = o.relu ? m.addReluBackward(y, tensorOf(m, t.dy)) : tensorOf(m, t.dy);
    const g = m.batchNormBackward(x, dz, state, saved, { training: o.training!, eps: o.eps });
    expectClose(g.dx!.data, t.dx, `${label}: dx`);
    if (o.affine) {
      expectClose(g.dweight!.data, t.dweight, `${label}: dweight`);
      expectClose(g.dbias!.data, t.dbias, `${label}: dbias`);
    } else {
      expect(g.dweight, `${label}: no dweight without weight`).toBeUndefined();
      expect(g.dbias, `${label}: no dbias without bias`).toBeUndefined();
    }
    if (o.residual) expectClose(dz.data, t.dresidual, `${label}: dresidual`);
  },

  max_pool2d(m, t, o, label) {
    const x = tensorOf(m, t.x);
    const y = m.maxPool2d(x, o as Pool2dOptions);
    expect(y.shape, `${label}: shape`).toEqual(t.y.shape);
    expectClose(y.data, t.y, `${label}: y`);
    expectClose(m.maxPool2dBackward(x, tensorOf(m, t.dy), o as Pool2dOptions).data, t.dx, `${label}: dx`);
  },

  avg_pool2d(m, t, o, label) {
    const y = m.avgPool2d(tensorOf(m, t.x), o as Pool2dOptions);
    expect(y.shape, `${label}: shape`).toEqual(t.y.shape);
    expectClose(y.data, t.y, `${label}: y`);
    expectClose(m.avgPool2dBackward(t.x.shape, tensorOf(m, t.dy), o as Pool2dOptions).data, t.dx, `${label}: dx`);
  },

  adaptive_avg_pool2d(m, t, o, label) {
    const y = m.adaptiveAvgPool2d(tensorOf(m, t.x), o.outputSize!);
    expect(y.shape, `${label}: shape`).toEqual(t.y.shape);
    expectClose(y.data, t.y, `${label}: y`);
    expectClose(m.adaptiveAvgPool2dBackward(t.x.shape, tensorOf(m, t.dy)).data, t.dx, `${label}: dx`);
  },

  softmax(m, t, o, label) {
    const y = m.softmax(tensorOf(m, t.x), { temperature: o.temperature });
    expectClose(y.data, t.y, `${label}: y`);
    expectClose(m.softmaxBackward(y, tensorOf(m, t.dy), { temperature: o.temperature }).data, t.dx, `${label}: dx`);
  },

  log_softmax(m, t, _o, label) {
    const y = m.logSoftmax(tensorOf(m, t.x));
    expectClose(y.data, t.y, `${label}: y`);
    expectClose(m.logSoftmaxBackward(y, tensorOf(m, t.dy)).data, t.dx, `${label}: dx`);
  },

  /** The Python generator's own hash: TS's unit() and the backend's dropout mask must agree with it. */
  hash_unit(m, t, o, label) {
    const seed = o.seed!;
    const want = t.unit.data;
    expect(Array.from(want, (_, i) => hashUnit(seed, i)), `${label}: TS unit()`).toEqual(Array.from(want));
    const kept = m.dropout(m.tensor(new Float32Array(want.length).fill(1), [want.length]), 0.5, seed).data;
    expect(Array.from(kept, (v) => v !== 0), `${label}: dropout mask`).toEqual(Array.from(want, (u) => u >= 0.5));
  },
};

function runCase(m: Backend, fc: FixtureCase<NnFixtureOptions>): void {
  const run = RUNS[fc.op];
  if (!run) throw new Error(`nn_ops.json: no runner for op '${fc.op}'`);
  m.scope(() => run(m, decodeTensors(fc), fc.options, fc.name));
}

/** The exact inverted-dropout output of x (what every backend must produce bit for bit). */
function expectedDropout(x: Float32Array, p: number, seed: number): Float32Array {
  const scale = Math.fround(1 / Math.fround(1 - p));
  return x.map((v, i) => v * (hashUnit(seed, i) >= p ? scale : 0));
}

interface BadCall { what: string; error: new (message: string) => DcdError; message: RegExp; call: (m: Backend) => unknown }

/** Bad inputs: each must throw its typed error naming the argument, before allocating anything. */
function badCalls(m: Backend): BadCall[] {
  const x4 = m.tensor(randomArray(2 * 3 * 6 * 6, seededRandom(1)), [2, 3, 6, 6]);
  const x2 = m.tensor(randomArray(4 * 5, seededRandom(2)), [4, 5]);
  const c3 = m.tensor([1, 1, 1], [3]);
  const bn = { weight: c3, bias: c3, runningMean: c3, runningVar: c3 };
  const rank5 = m.tensor([1, 2], [1, 1, 1, 1, 2]);
  const oneRow = m.tensor([1, 2, 3], [1, 3]);
  const row2 = m.tensor([1, 2], [1, 2]);
  const other = m.tensor(new Float32Array(2 * 3 * 6 * 6), [2, 3, 6, 6]);
  other.dispose();
  return [
    { what: 'unknown activation', error: OptionError, message: /activation: kind must be one of/, call: () => m.activation('gelu' as Activation, x4) },
    { what: 'activation of a non-tensor', error: DTypeError, message: /activation: x must be a Tensor/, call: () => m.activation('relu', [1, 2] as unknown as Tensor) },
    { what: 'disposed x', error: DisposedTensorError, message: /relu: x \(shape \[2, 3, 6, 6\]\) was used after dispose/, call: () => m.relu(other) },
    { what: 'sigmoid of a number', error: DTypeError, message: /sigmoid: x must be a Tensor/, call: () => m.sigmoid(3 as unknown as Tensor) },
    { what: 'activationBackward dy shape', error: ShapeError, message: /activationBackward: dy must have shape \[2, 3, 6, 6\]/, call: () => m.activationBackward('relu', x4, x2) },
    { what: 'add shapes', error: ShapeError, message: /add: b must have shape/, call: () => m.add(x4, x2) },
    { what: 'add option typo', error: OptionError, message: /add: unknown option 'Relu'/, call: () => m.add(x2, x2, { Relu: true } as object) },
    { what: 'add relu not boolean', error: OptionError, message: /add: relu must be a boolean/, call: () => m.add(x2, x2, { relu: 1 } as object) },
    { what: 'batchNorm channel mismatch', error: ShapeError, message: /batchNorm: state.weight must have shape \[5\] \(C, the channels of x\), got \[3\]/, call: () => m.batchNorm(x2, bn, { training: false }) },
    { what: 'batchNorm rank 5', error: ShapeError, message: /batchNorm: x must have 2, 3 or 4 dimensions/, call: () => m.batchNorm(rank5, bn, { training: true }) },
    { what: 'batchNorm training missing', error: OptionError, message: /batchNorm: options.training must be true or false/, call: () => m.batchNorm(x4, bn, {} as { training: boolean }) },
    { what: 'batchNorm momentum > 1', error: OptionError, message: /batchNorm: momentum must be in \[0, 1\]/, call: () => m.batchNorm(x4, bn, { training: true, momentum: 1.5 }) },
    { what: 'batchNorm eps 0', error: OptionError, message: /batchNorm: eps must be > 0/, call: () => m.batchNorm(x4, bn, { training: true, eps: 0 }) },
    { what: 'batchNorm option typo', error: OptionError, message: /batchNorm: unknown option 'mommentum'/, call: () => m.batchNorm(x4, bn, { training: true, mommentum: 0.1 } as object as { training: boolean }) },
    { what: 'batchNorm state typo', error: OptionError, message: /batchNorm: state: unknown option 'running_mean'/, call: () => m.batchNorm(x4, { running_mean: c3 } as object as typeof bn, { training: true }) },
    { what: 'batchNorm eval without running stats', error: OptionError, message: /batchNorm: state.runningVar is required in eval mode/, call: () => m.batchNorm(x4, { ...bn, runningVar: null }, { training: false }) },
    { what: 'batchNorm train with 1 value per channel', error: ShapeError, message: /batchNorm: training mode needs more than 1 value per channel/, call: () => m.batchNorm(oneRow, bn, { training: true }) },
    { what: 'batchNorm residual shape', error: ShapeError, message: /batchNorm: residual must have shape/, call: () => m.batchNorm(x4, bn, { training: true, residual: x2 }) },
    { what: 'batchNormBackward without saved', error: OptionError, message: /batchNormBackward: saved .* is required in training mode/, call: () => m.batchNormBackward(x4, x4, bn, null, { training: true }) },
    { what: 'batchNormBackward needs typo', error: OptionError, message: /batchNormBackward: needs: unknown option 'dw'/, call: () => m.batchNormBackward(x4, x4, bn, null, { training: false, needs: { dw: true } as object }) },
    { what: 'maxPool2d without kernelSize', error: OptionError, message: /maxPool2d: kernelSize is required/, call: () => m.maxPool2d(x4, {} as Pool2dOptions) },
    { what: 'maxPool2d countIncludePad', error: OptionError, message: /maxPool2d: unknown option 'countIncludePad'/, call: () => m.maxPool2d(x4, { kernelSize: 2, countIncludePad: true }) },
    { what: 'avgPool2d dilation', error: OptionError, message: /avgPool2d: unknown option 'dilation'/, call: () => m.avgPool2d(x4, { kernelSize: 2, dilation: 2 }) },
    { what: 'pool padding > kernel/2', error: OptionError, message: /maxPool2d: padding must be at most half the kernel size/, call: () => m.maxPool2d(x4, { kernelSize: 3, padding: 2 }) },
    { what: 'pool stride 0', error: OptionError, message: /avgPool2d: stride must be an integer >= 1/, call: () => m.avgPool2d(x4, { kernelSize: 2, stride: 0 }) },
    { what: 'pool empty output', error: ShapeError, message: /maxPool2d: x of shape \[2, 3, 6, 6\] gives an empty output/, call: () => m.maxPool2d(x4, { kernelSize: 7 }) },
    { what: 'pool on rank 2', error: ShapeError, message: /avgPool2d: x must have 4 dimensions/, call: () => m.avgPool2d(x2, { kernelSize: 2 }) },
    { what: 'maxPool2dBackward dy shape', error: ShapeError, message: /maxPool2dBackward: dy must have shape \[2, 3, 3, 3\]/, call: () => m.maxPool2dBackward(x4, x4, { kernelSize: 2 }) },
    { what: 'avgPool2dBackward bad xShape', error: ShapeError, message: /avgPool2dBackward: xShape must be an array of integers/, call: () => m.avgPool2dBackward([2, 3, 6.5, 6], x4, { kernelSize: 2 }) },
    { what: 'adaptive on rank 2', error: ShapeError, message: /adaptiveAvgPool2d: x must have 4 dimensions/, call: () => m.adaptiveAvgPool2d(x2, 1) },
    { what: 'adaptive outputSize 0', error: OptionError, message: /adaptiveAvgPool2d: outputSize must be an integer >= 1/, call: () => m.adaptiveAvgPool2d(x4, 0) },
    { what: 'adaptive backward N/C mismatch', error: ShapeError, message: /adaptiveAvgPool2dBackward: dy .* must have the N and C of xShape/, call: () => m.adaptiveAvgPool2dBackward([2, 4, 6, 6], x4) },
    { what: 'softmax rank 4', error: ShapeError, message: /softmax: x must have 2 dimensions/, call: () => m.softmax(x4) },
    { what: 'softmax temperature 0', error: OptionError, message: /softmax: temperature must be > 0/, call: () => m.softmax(x2, { temperature: 0 }) },
    { what: 'softmax temperature NaN', error: OptionError, message: /softmax: temperature must be a finite number/, call: () => m.softmax(x2, { temperature: NaN }) },
    { what: 'logSoftmaxBackward dy shape', error: ShapeError, message: /logSoftmaxBackward: dy must have shape \[4, 5\]/, call: () => m.logSoftmaxBackward(x2, row2) },
    { what: 'dropout p = 1', error: OptionError, message: /dropout: p must be a number in \[0, 1\)/, call: () => m.dropout(x2, 1, 0) },
    { what: 'dropout negative seed', error: OptionError, message: /dropout: seed must be an integer in \[0, 2\^32\)/, call: () => m.dropout(x2, 0.5, -1) },
    { what: 'dropoutBackward fractional seed', error: OptionError, message: /dropoutBackward: seed must be an integer/, call: () => m.dropoutBackward(x2, 0.5, 1.5) },
    { what: 'reshape size mismatch', error: ShapeError, message: /reshape: shape \[3, 7\] has 21 elements but x \[4, 5\] has 20/, call: () => m.reshape(x2, [3, 7]) },
    { what: 'reshape two -1', error: ShapeError, message: /reshape: only one dimension of shape may be -1/, call: () => m.reshape(x2, [-1, -1]) },
    { what: 'axpby shapes', error: ShapeError, message: /axpby: x must have shape \[4, 5\]/, call: () => m.axpby(1, x4, 1, x2) },
    { what: 'axpby a not finite', error: OptionError, message: /axpby: a must be a finite number/, call: () => m.axpby(Infinity, x2, 1, x2) },
  ];
}

for (const backend of BACKENDS) {
  describe(`nn ops [${backend}]`, () => {
    let m: Backend;
    beforeAll(async () => {
      m = await init({ backend });
      expect(m.info().backend).toBe(backend);
    });

    describe('matches PyTorch fixtures', () => {
      for (const fc of cases) it(fc.name, () => runCase(m, fc));
    });

    it('dropout: the mask is the TS hash bit for bit (every backend draws the same), scale 1/(1 − p)', () => {
      const x = randomArray(1003, seededRandom(9)); // odd length: SIMD body and scalar tail
      for (const p of [0, 0.1, 0.5, 0.9]) {
        for (const seed of [0, 7, 0x9e3779b9, 0xffffffff]) {
          m.scope(() => {
            const want = expectedDropout(x, p, seed);
            expect(Array.from(m.dropout(m.tensor(x, [17, 59]), p, seed).data), `p=${p} seed=${seed}`).toEqual(Array.from(want));
            expect(Array.from(m.dropoutBackward(m.tensor(x, [1003]), p, seed).data), `backward p=${p} seed=${seed}`).toEqual(Array.from(want));
          });
        }
      }
      const kept = m.scope(() => m.dropout(m.tensor(new Float32Array(20000).fill(1), [20000]), 0.3, 42).data.filter((v) => v !== 0).length);
      expect(Math.abs(kept / 20000 - 0.7)).toBeLessThan(0.02);
    });

    it('maxPool2d: ties route the gradient to the first maximum, NaN wins (the last NaN, as PyTorch)', () => {
      m.scope(() => {
        const nan = m.tensor([1, NaN, 3, NaN], [1, 1, 2, 2]);
        expect(Number.isNaN(m.maxPool2d(nan, { kernelSize: 2 }).data[0])).toBe(true);
        expect(Array.from(m.maxPool2dBackward(nan, m.tensor([1], [1, 1, 1, 1]), { kernelSize: 2 }).data)).toEqual([0, 0, 0, 1]);
        const ties = m.tensor([2, 2, 2, 2], [1, 1, 2, 2]);
        expect(Array.from(m.maxPool2dBackward(ties, m.tensor([1], [1, 1, 1, 1]), { kernelSize: 2 }).data)).toEqual([1, 0, 0, 0]);
      });
    });

    it('reshape (with -1) and clone copy; axpby updates y in place (b = 0 ignores y)', () => {
      m.scope(() => {
        const x = m.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
        const r = m.reshape(x, [3, -1]);
        expect(r.shape).toEqual([3, 2]);
        expect(Array.from(r.data)).toEqual([1, 2, 3, 4, 5, 6]);
        const c = m.clone(x);
        c.data[0] = 9; // a copy: x is unchanged
        expect(x.data[0]).toBe(1);
        const y = m.tensor([10, 20, 30, 40, 50, 60], [2, 3]);
        m.axpby(2, x, 0.5, y);
        expect(Array.from(y.data)).toEqual([7, 14, 21, 28, 35, 42]);
        const junk = m.tensor([NaN, NaN, NaN, NaN, NaN, NaN], [2, 3]);
        m.axpby(-1, x, 0, junk);
        expect(Array.from(junk.data)).toEqual([-1, -2, -3, -4, -5, -6]);
        expect(m.reshape(m.zeros([0, 3]), [3, 0]).shape).toEqual([3, 0]);
      });
    });

    it('bad inputs throw typed errors naming the argument, allocate nothing, and the backend keeps working', () => {
      m.scope(() => {
        const calls = badCalls(m);
        const before = m.info();
        for (const bad of calls) {
          let thrown: unknown;
          try {
            bad.call(m);
          } catch (e) {
            thrown = e;
          }
          expect(thrown, `${bad.what}: throws`).toBeInstanceOf(bad.error);
          expect((thrown as Error).message, bad.what).toMatch(bad.message);
          expect(m.info().liveTensors, `${bad.what}: no tensor left behind`).toBe(before.liveTensors);
          expect(m.info().allocatedBytes, `${bad.what}: no memory left behind`).toBe(before.allocatedBytes);
        }
        expect(Array.from(m.relu(m.tensor([-1, 2], [2])).data)).toEqual([0, 2]);
      });
    });

    it('no leaks: every op frees what it does not return (liveTensors back to the start)', () => {
      const start = m.info();
      for (const fc of cases) runCase(m, fc);
      const x = m.tensor(randomArray(2 * 3 * 4 * 4, seededRandom(3)), [2, 3, 4, 4]);
      const c = m.tensor([1, 1, 1], [3]);
      const state = { weight: c, bias: c, runningMean: m.zeros([3]), runningVar: m.tensor([1, 1, 1], [3]) };
      const { y, saved } = m.batchNorm(x, state, { training: true, relu: true, residual: x });
      const g = m.batchNormBackward(x, y, state, saved, { training: true });
      for (const t of [x, c, state.runningMean, state.runningVar, y, g.dx!, g.dweight!, g.dbias!]) t.dispose();
      saved!.dispose();
      expect(m.info().liveTensors).toBe(start.liveTensors);
      expect(m.info().allocatedBytes).toBe(start.allocatedBytes);
    });

    if (backend !== 'js') {
      it('agrees with the js reference on random pools and BatchNorm', async () => {
        const js = await init({ backend: 'js' });
        const rand = seededRandom(11);
        const data = randomArray(3 * 5 * 13 * 11, rand);
        const pool: Pool2dOptions = { kernelSize: [3, 2], stride: [2, 3], padding: [1, 1], ceilMode: true };
        const run = (b: Backend) => b.scope(() => {
          const x = b.tensor(data, [3, 5, 13, 11]);
          const st = { weight: null, bias: null, runningMean: b.zeros([5]), runningVar: b.zeros([5]) };
          const bn = b.batchNorm(x, st, { training: true, momentum: 0.2 });
          return [
            b.maxPool2d(x, pool), b.avgPool2d(x, { ...pool, countIncludePad: false }), b.adaptiveAvgPool2d(x, [4, 3]),
            bn.y, st.runningVar, b.batchNormBackward(x, x, st, bn.saved, { training: true }).dx!,
          ].map((t) => t.toFloat32Array());
        });
        const got = run(m);
        run(js).forEach((want, i) => expectAllClose(got[i], want, VS_TORCH, `output ${i}`));
      });

      it('maxPool2d matches the js reference bit for bit on random geometries (SIMD windows, ties, NaN, −inf)', async () => {
        const js = await init({ backend: 'js' });
        const rand = seededRandom(21);
        const pick = (lo: number, hi: number) => lo + Math.floor(((rand() + 1) / 2) * (hi - lo + 1) * 0.999);
        const exact = (a: Float32Array) => Array.from(a, (v) => (Number.isNaN(v) ? 'NaN' : v));
        for (let trial = 0; trial < 40; trial++) {
          const k = [pick(1, 4), pick(1, 4)];
          const o: Pool2dOptions = {
            kernelSize: k as [number, number], stride: [pick(1, 3), pick(1, 2)],
            padding: [pick(0, k[0] >> 1), pick(0, k[1] >> 1)], dilation: [pick(1, 2), pick(1, 2)], ceilMode: rand() > 0,
          };
          const shape = [2, 2, pick(8, 14), pick(8, 21)];
          const data = randomArray(shape.reduce((a, b) => a * b, 1), rand).map((v) => {
            if (v > 0.97) return NaN;
            if (v < -0.97) return -Infinity;
            return Math.round(v * 4); // many ties
          });
          const run = (b: Backend) => b.scope(() => {
            const x = b.tensor(data, shape);
            let y: Tensor;
            try {
              y = b.maxPool2d(x, o);
            } catch (e) {
              return [String(e)]; // an empty output: both must refuse it
            }
            const dy = b.tensor(randomArray(y.size, seededRandom(trial)), y.shape);
            return [exact(y.data), exact(b.maxPool2dBackward(x, dy, o).data)];
          });
          expect(run(m), `${JSON.stringify(o)} on [${shape}]`).toEqual(run(js));
        }
      });
    }
  });
}

describe('nn hash (ops/nn_hash.ts)', () => {
  it('FNV-1a test vectors and hash32 values', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
    for (let i = 0; i < 100; i++) {
      const h = hash32(12345, i);
      expect(Number.isInteger(h) && h >= 0 && h < 2 ** 32).toBe(true);
      expect(hashUnit(12345, i)).toBe((h >>> 8) / 2 ** 24);
    }
  });
});

const threadsUnavailable = threadsUnavailableReason();
describe.skipIf(threadsUnavailable)(`nn ops with init({ threads: 2 })${threadsUnavailable ? ` (skipped: ${threadsUnavailable})` : ''}`, () => {
  it('run (single-threaded kernels) and give the bits of the one-thread backend of the same build', async () => {
    const mt = await init({ threads: 2 });
    // The one-thread backend of the same build (the pool runs relaxed SIMD where it validates).
    const one = await init({ backend: mt.info().backend as 'wasm-simd' | 'wasm-relaxed-simd' });
    try {
      const data = randomArray(2 * 4 * 9 * 9, seededRandom(5));
      const run = (b: Backend) => b.scope(() => {
        const x = b.tensor(data, [2, 4, 9, 9]);
        const st = { weight: null, bias: null, runningMean: b.zeros([4]), runningVar: b.zeros([4]) };
        const bn = b.batchNorm(x, st, { training: true, relu: true });
        return [
          bn.y, b.maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1 }), b.avgPool2d(x, { kernelSize: 2 }),
          b.dropout(x, 0.25, 3), b.logSoftmax(b.reshape(x, [8, -1])),
        ].map((t) => Array.from(t.data));
      });
      expect(run(mt)).toEqual(run(one));
    } finally {
      mt.dispose();
    }
  });
});

// Training-mode BatchNorm on the pool (assembly/nn/batchnorm_part.ts): parts split the channels, so
// y, the running statistics, saved statistics and every gradient are the one-thread bits.
describe.skipIf(threadsUnavailable)(`batchNorm (training) and element-wise ops split across init({ threads: 2 })${threadsUnavailable ? ` (skipped: ${threadsUnavailable})` : ''}`, () => {
  it('forward (affine or not, residual, ReLU) and backward: bit-identical to one thread, 1–70 channels', async () => {
    const mt = await init({ threads: 2, threadMinFlops: 0, debug: { poison: true } });
    const one = await init({ backend: mt.info().backend as 'wasm-simd' | 'wasm-relaxed-simd' });
    try {
      const rand = seededRandom(23);
      for (const [n, c, h, w, affine, residual, relu] of [
        [4, 9, 7, 5, true, false, false], [2, 1, 6, 6, true, true, true], [3, 70, 3, 3, false, true, false],
        [8, 16, 1, 1, true, false, true], [5, 6, 9, 1, false, false, false],
      ] as [number, number, number, number, boolean, boolean, boolean][]) {
        const shape = [n, c, h, w];
        const size = n * c * h * w;
        const data = { x: randomArray(size, rand), r: randomArray(size, rand), dy: randomArray(size, rand), g: randomArray(c, rand), b: randomArray(c, rand) };
        const run = (b: Backend) => b.scope(() => {
          const x = b.tensor(data.x, shape);
          const st = {
            weight: affine ? b.tensor(data.g, [c]) : null, bias: affine ? b.tensor(data.b, [c]) : null,
            runningMean: b.zeros([c]), runningVar: b.tensor(new Float32Array(c).fill(1), [c]),
          };
          const res = b.batchNorm(x, st, { training: true, momentum: 0.1, eps: 1e-5, residual: residual ? b.tensor(data.r, shape) : null, relu });
          const g = b.batchNormBackward(x, b.tensor(data.dy, shape), st, res.saved, { training: true });
          return [res.y, st.runningMean, st.runningVar, res.saved!.mean, res.saved!.invStd, g.dx!, ...(affine ? [g.dweight!, g.dbias!] : [])]
            .map((t) => Array.from(t.data));
        });
        expect(run(mt), `batchNorm [${shape}] affine ${affine} residual ${residual} relu ${relu}`).toEqual(run(one));
      }
    } finally {
      mt.dispose();
    }
  });

  // Element ranges of 16 across the threads (assembly/nn/elementwise_part.ts): sizes below, at and
  // past a range boundary, NaN and the clamp edges (0, 6) in the data.
  it('relu / relu6 forward and backward, add (+ ReLU), addReluBackward, axpby: bit-identical to one thread', async () => {
    const mt = await init({ threads: 2, threadMinFlops: 0, debug: { poison: true } });
    const one = await init({ backend: mt.info().backend as 'wasm-simd' | 'wasm-relaxed-simd' });
    try {
      const rand = seededRandom(29);
      for (const n of [63, 64, 100, 257, 4099]) {
        const a = randomArray(n, rand).map((v) => v * 8);
        a[0] = 0; a[1] = 6; a[2] = Number.NaN; a[3] = -0;
        const b = randomArray(n, rand), dy = randomArray(n, rand);
        const run = (m: Backend) => m.scope(() => {
          const x = m.tensor(a, [n]), bt = m.tensor(b, [n]), g = m.tensor(dy, [n]);
          const sum = m.add(x, bt, { relu: true });
          const acc = m.tensor(b, [n]);
          m.axpby(0.75, x, -1.5, acc);
          return [
            m.relu(x), m.relu6(x), m.activationBackward('relu', x, g), m.activationBackward('relu6', x, g),
            m.add(x, bt), sum, m.addReluBackward(sum, g), acc,
          ].map((t) => Array.from(t.data));
        });
        expect(run(mt), `n = ${n}`).toEqual(run(one));
      }
    } finally {
      mt.dispose();
    }
  });

  // Samples across the threads (assembly/nn/pool_part.ts); odd sizes give PyTorch's overlapping bins.
  it('adaptiveAvgPool2d forward and backward (2×2, 1×1, 3×2 bins): bit-identical to one thread', async () => {
    const mt = await init({ threads: 2, threadMinFlops: 0, debug: { poison: true } });
    const one = await init({ backend: mt.info().backend as 'wasm-simd' | 'wasm-relaxed-simd' });
    try {
      const rand = seededRandom(31);
      for (const [shape, out] of [[[5, 3, 7, 9], [2, 2]], [[9, 4, 8, 8], [2, 2]], [[3, 2, 6, 5], [1, 1]], [[2, 3, 11, 6], [3, 2]]] as [number[], [number, number]][]) {
        const xData = randomArray(shape.reduce((a, b) => a * b, 1), rand);
        const dyData = randomArray(shape[0] * shape[1] * out[0] * out[1], rand);
        const run = (m: Backend) => m.scope(() => {
          const y = m.adaptiveAvgPool2d(m.tensor(xData, shape), out);
          const dx = m.adaptiveAvgPool2dBackward(shape, m.tensor(dyData, y.shape));
          return [y, dx].map((t) => Array.from(t.data));
        });
        expect(run(mt), `[${shape}] → ${out}`).toEqual(run(one));
      }
    } finally {
      mt.dispose();
    }
  });
});
