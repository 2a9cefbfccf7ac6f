/**
 * The pure-TypeScript reference (bindings/reference) against the PyTorch fixtures: the raw kernels
 * on Float32Array views with non-zero byte offsets, then the js backend through its public API.
 */
import { describe, expect, it } from 'vitest';
import conv2dJson from '../fixtures/conv2d.json' with { type: 'json' };
import linearJson from '../fixtures/linear.json' with { type: 'json' };
import {
  asFixtureFile, decodeTensors, type Conv2dFixtureOptions, type DecodedTensor, type FixtureCase,
  type LinearFixtureOptions,
} from '../fixtures/decode';
import { conv2dBackwardData, conv2dBackwardWeight, conv2dForward } from '../../bindings/reference/conv2d';
import { linearBackward, linearForward } from '../../bindings/reference/linear';
import { resolveConv2d } from '../../bindings/ops/conv2d_options';
import { mat, sgemm } from '../../bindings/reference/gemm';
import { createJsBackend } from '../../bindings/reference/index';
import { DisposedTensorError, DTypeError, OptionError, ShapeError } from '../../bindings/errors';

const FLOAT32_EPSILON = 2 ** -23;
const conv2dCases = asFixtureFile<Conv2dFixtureOptions>(conv2dJson).cases;
const linearCases = asFixtureFile<LinearFixtureOptions>(linearJson).cases;

/**
 * Worst |got − want| must stay within twice PyTorch's own float32 error (vs float64, recorded per
 * case) plus a few float32 ulps at the tensor's scale for our own, differently ordered, rounding.
 */
function expectClose(fixtureCase: FixtureCase<unknown>, name: string, got: Float32Array, want: DecodedTensor): void {
  expect(got.length).toBe(want.data.length);
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < got.length; i++) {
    scale = Math.max(scale, Math.abs(want.data[i]));
    const d = Math.abs(got[i] - want.data[i]);
    worst = Number.isNaN(d) ? Infinity : Math.max(worst, d);
  }
  const tolerance = 2 * fixtureCase.float64Diff[name].maxAbs + 16 * FLOAT32_EPSILON * scale;
  expect(worst, `${fixtureCase.name}: ${name} worst abs diff ${worst} (tolerance ${tolerance})`).toBeLessThanOrEqual(tolerance);
}

/** A zero-filled view at a non-zero byteOffset, so kernels are tested on subarrays as callers pass them. */
function offsetView(length: number, fill?: Float32Array): Float32Array {
  const view = new Float32Array(length + 3).subarray(3);
  if (fill) view.set(fill);
  return view;
}

describe('reference conv2d kernels match PyTorch', () => {
  for (const c of conv2dCases) {
    it(c.name, () => {
      const t = decodeTensors(c);
      const { bias, ...geometry } = c.options;
      const p = resolveConv2d('conv2d', t.x.shape, t.weight.shape, geometry);
      const x = offsetView(t.x.data.length, t.x.data);
      const w = offsetView(t.weight.data.length, t.weight.data);
      const dy = offsetView(t.dy.data.length, t.dy.data);

      const y = offsetView(t.y.data.length).fill(NaN); // outputs are overwritten, never accumulated into
      conv2dForward(p, x, w, bias ? offsetView(p.k, t.bias.data) : null, y);
      expectClose(c, 'y', y, t.y);

      const dx = offsetView(t.dx.data.length).fill(NaN);
      conv2dBackwardData(p, dy, w, dx);
      expectClose(c, 'dx', dx, t.dx);

      const dw = offsetView(t.dweight.data.length).fill(NaN);
      const db = bias ? offsetView(p.k).fill(NaN) : null;
      conv2dBackwardWeight(p, x, dy, dw, db);
      expectClose(c, 'dweight', dw, t.dweight);
      if (db) expectClose(c, 'dbias', db, t.dbias);
    });
  }
});

describe('reference linear kernels match PyTorch', () => {
  for (const c of linearCases) {
    it(c.name, () => {
      const t = decodeTensors(c);
      const [n, inF] = t.x.shape;
      const outF = t.weight.shape[0];
      const x = offsetView(n * inF, t.x.data);
      const w = offsetView(outF * inF, t.weight.data);
      const dy = offsetView(n * outF, t.dy.data);

      const y = offsetView(n * outF).fill(NaN);
      linearForward(n, inF, outF, x, w, c.options.bias ? offsetView(outF, t.bias.data) : null, y);
      expectClose(c, 'y', y, t.y);

      const dx = offsetView(n * inF).fill(NaN);
      const dw = offsetView(outF * inF).fill(NaN);
      const db = c.options.bias ? offsetView(outF).fill(NaN) : null;
      linearBackward(n, inF, outF, x, w, dy, dx, dw, db);
      expectClose(c, 'dx', dx, t.dx);
      expectClose(c, 'dweight', dw, t.dweight);
      if (db) expectClose(c, 'dbias', db, t.dbias);
    });
  }
});

describe('reference sgemm', () => {
  // Sizes cross the packing blocks (K > 256, N > 512) and leave partial 4×4 edge tiles.
  const [m, n, k] = [7, 530, 301];
  const seeded = (length: number, seed: number) =>
    Float32Array.from({ length }, (_, i) => Math.sin(seed * 1000 + i * 0.7) * 2);
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      it(`transA=${transA} transB=${transB}, overwrite and accumulate`, () => {
        const a = seeded(m * k + 5, 1).subarray(5); // stored k×m when transposed
        const b = seeded(k * n + 2, 2).subarray(2);
        const want = new Float64Array(m * n);
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            let sum = 0;
            for (let p = 0; p < k; p++) {
              sum += (transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]);
            }
            want[i * n + j] = sum;
          }
        }
        const ldc = n + 3; // C is a sub-block of a wider matrix: the gap must stay untouched
        const c = new Float32Array(m * ldc).fill(1);
        const run = (accumulate: boolean) => sgemm(m, n, k, mat(a, 0, transA ? m : k, transA),
          mat(b, 0, transB ? k : n, transB), c, 0, ldc, accumulate);
        run(false);
        run(true); // C = 2·A·B
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) expect(Math.abs(c[i * ldc + j] - 2 * want[i * n + j])).toBeLessThan(1e-3);
          for (let j = n; j < ldc; j++) expect(c[i * ldc + j]).toBe(1);
        }
      });
    }
  }
});

describe('js backend (createJsBackend) matches PyTorch through the public API', () => {
  for (const c of conv2dCases) {
    it(`conv2d ${c.name}`, () => {
      const m = createJsBackend();
      const t = decodeTensors(c);
      const { bias: hasBias, ...geometry } = c.options;
      const x = m.tensor(t.x.data, t.x.shape);
      const w = m.tensor(t.weight.data, t.weight.shape);
      const bias = hasBias ? m.tensor(t.bias.data, t.bias.shape) : undefined;
      const y = m.conv2d(x, w, { ...geometry, bias });
      expect(y.shape).toEqual(t.y.shape);
      expectClose(c, 'y', y.data, t.y);
      const dy = m.tensor(t.dy.data, t.dy.shape);
      const grads = m.conv2dBackward(x, w, dy, { ...geometry, bias: hasBias });
      expectClose(c, 'dx', grads.dx!.data, t.dx);
      expectClose(c, 'dweight', grads.dw!.data, t.dweight);
      if (hasBias) expectClose(c, 'dbias', grads.db!.data, t.dbias);
      else expect(grads.db).toBeUndefined();
    });
  }
  for (const c of linearCases) {
    it(`linear ${c.name}`, () => {
      const m = createJsBackend();
      const t = decodeTensors(c);
      const x = m.tensor(t.x.data, t.x.shape);
      const w = m.tensor(t.weight.data, t.weight.shape);
      const bias = c.options.bias ? m.tensor(t.bias.data, t.bias.shape) : undefined;
      expectClose(c, 'y', m.linear(x, w, bias).data, t.y);
      const grads = m.linearBackward(x, w, m.tensor(t.dy.data, t.dy.shape), { bias: c.options.bias });
      expectClose(c, 'dx', grads.dx!.data, t.dx);
      expectClose(c, 'dweight', grads.dw!.data, t.dweight);
      if (c.options.bias) expectClose(c, 'dbias', grads.db!.data, t.dbias);
    });
  }
});

describe('js backend bookkeeping and errors', () => {
  it('reports itself and counts live tensors and bytes', () => {
    const m = createJsBackend();
    const a = m.zeros([2, 3]);
    expect(m.info()).toMatchObject({ backend: 'js', simd: false, threads: 1, liveTensors: 1, allocatedBytes: 24 });
    const kept = m.scope(() => { m.zeros([4]); return m.tensor([1, 2], [2]); });
    expect(m.info().liveTensors).toBe(2);
    expect(Array.from(kept.data)).toEqual([1, 2]);
    a.dispose();
    kept.dispose();
    // The high-water mark: a (24 bytes) + the scope's two tensors (16 + 8), until reset.
    expect(m.memoryStats()).toEqual({ memoryBytes: 0, allocatedBytes: 0, liveTensors: 0, peakAllocatedBytes: 48 });
    m.resetPeakMemory();
    expect(m.memoryStats().peakAllocatedBytes).toBe(0);
  });

  it('computes only the requested gradients', () => {
    const m = createJsBackend();
    const x = m.zeros([1, 2, 4, 4]);
    const w = m.zeros([3, 2, 3, 3]);
    const dy = m.tensor(new Float32Array(3 * 2 * 2).fill(1), [1, 3, 2, 2]);
    const only = m.conv2dBackward(x, w, dy, { needs: { dx: false, dw: false, db: true } });
    expect(Object.keys(only)).toEqual(['db']);
    expect(Array.from(only.db!.data)).toEqual([4, 4, 4]);
  });

  it('rejects bad inputs with typed errors naming the problem, and stays usable', () => {
    const m = createJsBackend();
    const x = m.zeros([1, 4, 5, 5]);
    const w = m.zeros([2, 3, 3, 3]);
    expect(() => m.conv2d(x, w)).toThrow(ShapeError);
    expect(() => m.conv2d(x, w)).toThrow(/input channels per group/);
    expect(() => m.conv2d(x, m.zeros([2, 4, 3, 3]), { stride: 0 })).toThrow(OptionError);
    expect(() => m.conv2d(x, m.zeros([2, 4, 3, 3]), { padding: 'same', stride: 2 })).toThrow(OptionError);
    expect(() => m.conv2d(x, m.zeros([2, 4, 3, 3]), { bias: m.zeros([3]) })).toThrow(/bias must have shape \[2\]/);
    expect(() => m.conv2d(new Float32Array(4) as never, w)).toThrow(DTypeError);
    expect(() => m.conv2d(x, createJsBackend().zeros([2, 4, 3, 3]))).toThrow(DisposedTensorError);
    expect(() => m.linear(m.zeros([2, 3]), m.zeros([4, 5]))).toThrow(ShapeError);
    expect(() => m.linearBackward(m.zeros([2, 3]), m.zeros([4, 3]), m.zeros([2, 5]))).toThrow(/dy must have shape/);
    const gone = m.zeros([2, 4, 3, 3]);
    gone.dispose();
    expect(() => m.conv2d(x, gone)).toThrow(DisposedTensorError);
    expect(m.conv2d(x, m.zeros([2, 4, 3, 3])).shape).toEqual([1, 2, 3, 3]);
  });
});
