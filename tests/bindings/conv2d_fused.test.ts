/**
 * conv2d's fused output (issue 11): `activation`, `residual` and `out`, and linear's `out`, on every
 * backend, against the reference composition on the same backend: conv2d, then add, then
 * relu / relu6 with the existing ops. Not in place, the fused kernels add the residual to exactly
 * the value conv2d returns and clamp it as relu does, so the bits must be equal; in place
 * (out === residual) the GEMM path accumulates onto the residual (added before the bias), so
 * float32 rounding differences only (≤ 1e-5 of the tensor's max).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DTypeError, DisposedTensorError, OptionError, ShapeError, init, prepareConv2d, type Backend, type Conv2dOptions,
} from '../../bindings/index';
import { BACKENDS } from '../harness/backends';
import { relaxedSimdSupported } from '../../bindings/runtime/features';
import { threadsUnavailableReason } from '../../bindings/runtime/threads/support';
import { expectAllClose, maxAbsDiff, product, randomArray, seededRandom, type Tolerance } from '../harness/numeric';

const IN_PLACE: Tolerance = { rtol: 1e-5, atol: 1e-6 };
type Geometry = Pick<Conv2dOptions, 'stride' | 'padding' | 'dilation' | 'groups'>;
type Activation = 'relu' | 'relu6' | null;

interface FusedCase { name: string; x: number[]; w: number[]; geometry: Geometry }

/** The geometries of the brief, at sizes that reach every kernel path (batched columns, wide tile, edges). */
const CASES: FusedCase[] = [
  { name: '3x3 s1 p1', x: [1, 8, 12, 12], w: [16, 8, 3, 3], geometry: { padding: 1 } },
  { name: '3x3 s2 p1', x: [1, 8, 13, 11], w: [12, 8, 3, 3], geometry: { stride: 2, padding: 1 } },
  { name: '1x1', x: [1, 16, 9, 9], w: [24, 16, 1, 1], geometry: {} },
  { name: '7x7 s2 p3 stem', x: [1, 3, 20, 18], w: [8, 3, 7, 7], geometry: { stride: 2, padding: 3 } },
  { name: 'grouped 3x3', x: [1, 8, 10, 10], w: [12, 4, 3, 3], geometry: { padding: 1, groups: 2 } },
  { name: 'depthwise 3x3 s1', x: [1, 6, 11, 13], w: [6, 1, 3, 3], geometry: { padding: 1, groups: 6 } },
  { name: 'depthwise 3x3 s2', x: [1, 6, 12, 9], w: [6, 1, 3, 3], geometry: { stride: 2, padding: 1, groups: 6 } },
  { name: '5x5 p2', x: [1, 4, 10, 10], w: [8, 4, 5, 5], geometry: { padding: 2 } },
  { name: 'depthwise 5x5 p2', x: [1, 5, 12, 12], w: [5, 1, 5, 5], geometry: { padding: 2, groups: 5 } },
  { name: 'depthwise x2 multiplier', x: [1, 3, 9, 9], w: [6, 1, 3, 3], geometry: { padding: 1, groups: 3 } },
  // ≥ 128 columns and ≥ 32 rows: the relaxed build's wide 5×8 tile (packed A)
  { name: '3x3 wide tile', x: [1, 16, 16, 16], w: [40, 16, 3, 3], geometry: { padding: 1 } },
  { name: '1x1 wide tile', x: [1, 24, 16, 12], w: [64, 24, 1, 1], geometry: {} },
  // 49 columns, 48 channels: conv2d takes the 4×8 tile; a prepared conv (relaxed) its packed weights, wide
  { name: '3x3 s2 @7x7, 48 channels', x: [1, 16, 14, 14], w: [48, 16, 3, 3], geometry: { stride: 2, padding: 1 } },
  { name: '1x1 @7x7, 72 channels', x: [1, 40, 7, 7], w: [72, 40, 1, 1], geometry: {} },
  // batch 3: small images run as one GEMM over every sample's pixels (tiles straddle samples)
  { name: 'batch 3, 3x3 s1 p1', x: [3, 8, 7, 7], w: [16, 8, 3, 3], geometry: { padding: 1 } },
  { name: 'batch 3, 1x1 @7x7', x: [3, 16, 7, 7], w: [36, 16, 1, 1], geometry: {} },
  { name: 'batch 3, 3x3 wide', x: [3, 16, 12, 12], w: [40, 16, 3, 3], geometry: { padding: 1 } },
  { name: 'batch 3, depthwise s2', x: [3, 6, 10, 10], w: [6, 1, 3, 3], geometry: { stride: 2, padding: 1, groups: 6 } },
  // the extreme-geometry path (ops/conv2d_geometry.ts): a gathered input, same fused output
  { name: 'extreme stride', x: [2, 3, 9, 5], w: [4, 3, 3, 2], geometry: { stride: [2, 2 ** 31 - 1], padding: [1, 2] } },
];

interface Data { x: Float32Array; w: Float32Array; b: Float32Array; r: Float32Array }

function caseData(c: FusedCase, outSize: number, seed: number): Data {
  const rand = seededRandom(seed);
  return { x: randomArray(product(c.x), rand), w: randomArray(product(c.w), rand), b: randomArray(c.w[0], rand), r: randomArray(outSize, rand) };
}

const outputShape = (m: Backend, c: FusedCase): number[] =>
  m.scope(() => [...m.conv2d(m.zeros(c.x), m.zeros(c.w), c.geometry).shape]);

interface Variant { bias: boolean; residual: 'none' | 'separate' | 'in place'; activation: Activation; out: boolean }

const VARIANTS: Variant[] = [];
for (const bias of [true, false]) {
  for (const residual of ['none', 'separate', 'in place'] as const) {
    for (const activation of [null, 'relu', 'relu6'] as const) {
      VARIANTS.push({ bias, residual, activation, out: residual !== 'in place' && activation !== 'relu6' });
    }
  }
}
const describeVariant = (v: Variant): string =>
  `${v.bias ? 'bias' : 'no bias'}, residual ${v.residual}, ${v.activation ?? 'no activation'}${v.out ? ', out' : ''}`;

/** conv2d, then add, then relu / relu6: the reference composition with the existing ops. */
function composed(m: Backend, c: FusedCase, d: Data, yShape: number[], v: Variant): Float32Array {
  return m.scope(() => {
    let y = m.conv2d(m.tensor(d.x, c.x), m.tensor(d.w, c.w), { ...c.geometry, bias: v.bias ? m.tensor(d.b, [c.w[0]]) : null });
    if (v.residual !== 'none') y = m.add(y, m.tensor(d.r, yShape));
    if (v.activation === 'relu') y = m.relu(y);
    if (v.activation === 'relu6') y = m.relu6(y);
    return y.toFloat32Array();
  });
}

/** The same through one fused conv2d call. */
function fused(m: Backend, c: FusedCase, d: Data, yShape: number[], v: Variant): Float32Array {
  return m.scope(() => {
    const residual = v.residual === 'none' ? null : m.tensor(d.r, yShape);
    const out = v.residual === 'in place' ? residual : v.out ? m.tensor(new Float32Array(product(yShape)).fill(Number.NaN), yShape) : null;
    const options: Conv2dOptions = {
      ...c.geometry, bias: v.bias ? m.tensor(d.b, [c.w[0]]) : null, residual, activation: v.activation, out,
    };
    const y = m.conv2d(m.tensor(d.x, c.x), m.tensor(d.w, c.w), options);
    if (out) expect(y).toBe(out);
    expect([...y.shape]).toEqual(yShape);
    return y.toFloat32Array();
  });
}

/** The same through prepareConv2d + run (out a fresh tensor, or the residual itself in place). */
function prepared(m: Backend, c: FusedCase, d: Data, yShape: number[], v: Variant, disposeWeights = false): Float32Array {
  return m.scope(() => {
    const w = m.tensor(d.w, c.w);
    const b = v.bias ? m.tensor(d.b, [c.w[0]]) : null;
    const conv = prepareConv2d(c.x, w, { ...c.geometry, bias: b, activation: v.activation, residual: v.residual !== 'none' });
    try {
      if (disposeWeights) { w.dispose(); b?.dispose(); }
      expect(conv.inputShape).toEqual(c.x);
      expect(conv.outputShape).toEqual(yShape);
      const x = m.tensor(d.x, c.x);
      const residual = v.residual === 'none' ? null : m.tensor(d.r, yShape);
      const out = v.residual === 'in place' ? residual! : m.zeros(yShape);
      const before = m.memoryStats();
      conv.run(x, out, residual);
      const after = m.memoryStats();
      expect(after.allocatedBytes, 'run() allocates nothing').toBe(before.allocatedBytes);
      expect(after.liveTensors).toBe(before.liveTensors);
      return out.toFloat32Array();
    } finally {
      conv.dispose();
    }
  });
}

function expectFusedMatches(got: Float32Array, want: Float32Array, v: Variant, label: string): void {
  if (v.residual === 'in place') {
    expectAllClose(got, want, IN_PLACE, label);
  } else {
    expect(got.length, `${label}: length`).toBe(want.length);
    expect(maxAbsDiff(got, want), `${label}: differs from conv2d + add + activation`).toBe(0);
  }
}

for (const backend of BACKENDS) {
  describe(`conv2d fused output [${backend}]`, () => {
    let m: Backend;
    beforeAll(async () => {
      m = await init({ backend });
    });

    for (const [ci, c] of CASES.entries()) {
      it(`${c.name}: every bias / residual / activation / out variant equals the composition`, () => {
        const yShape = outputShape(m, c);
        const d = caseData(c, product(yShape), 100 + ci);
        for (const v of VARIANTS) {
          expectFusedMatches(fused(m, c, d, yShape, v), composed(m, c, d, yShape, v), v, `${c.name}, ${describeVariant(v)}`);
        }
      });
    }

    it('the activation really clamps: relu ≥ 0, relu6 in [0, 6], both keep NaN', () => {
      m.scope(() => {
        const x = m.tensor([-10, -1, 0.5, 3, 8, Number.NaN], [1, 1, 2, 3]);
        const w = m.tensor([1], [1, 1, 1, 1]);
        expect(Array.from(m.conv2d(x, w, { activation: 'relu' }).data)).toEqual([0, 0, 0.5, 3, 8, Number.NaN]);
        expect(Array.from(m.conv2d(x, w, { activation: 'relu6' }).data)).toEqual([0, 0, 0.5, 3, 6, Number.NaN]);
        const r = m.tensor([20, 2, -1, 3.5, -4, 0], [1, 1, 2, 3]);
        expect(Array.from(m.conv2d(x, w, { residual: r, activation: 'relu6' }).data)).toEqual([6, 1, 0, 6, 4, Number.NaN]);
      });
    });

    it('plain conv2d with out writes into it and returns it; out === residual adds in place', () => {
      m.scope(() => {
        const x = m.tensor([1, 2, 3, 4], [1, 1, 2, 2]);
        const w = m.tensor([2], [1, 1, 1, 1]);
        const out = m.zeros([1, 1, 2, 2]);
        const before = m.memoryStats().liveTensors;
        expect(m.conv2d(x, w, { out })).toBe(out);
        expect(m.memoryStats().liveTensors).toBe(before);
        expect(Array.from(out.data)).toEqual([2, 4, 6, 8]);
        expect(m.conv2d(x, w, { out, residual: out, bias: m.tensor([-10], [1]) })).toBe(out);
        expect(Array.from(out.data)).toEqual([-6, -2, 2, 6]);
      });
    });

    describe('typed errors, before any allocation', () => {
      const x4 = [1, 4, 5, 5];
      const expectRejected = (call: () => unknown, type: new (...a: never[]) => Error, message: RegExp): void => {
        const before = m.memoryStats();
        expect(call).toThrow(type);
        expect(call).toThrow(message);
        const after = m.memoryStats();
        expect(after.liveTensors).toBe(before.liveTensors);
        expect(after.allocatedBytes).toBe(before.allocatedBytes);
      };
      it('out of the wrong shape: ShapeError naming out and both shapes', () => {
        m.scope(() => {
          const x = m.zeros(x4), w = m.zeros([6, 4, 3, 3]), out = m.zeros([1, 6, 5, 5]);
          expectRejected(() => m.conv2d(x, w, { out }), ShapeError, /conv2d: out must have the output's shape \[1, 6, 3, 3\], got \[1, 6, 5, 5\]/);
        });
      });
      it('out aliasing x or weight: OptionError', () => {
        m.scope(() => {
          const x = m.zeros(x4), w = m.zeros([4, 4, 1, 1]);
          expectRejected(() => m.conv2d(x, w, { out: x }), OptionError, /conv2d: out .* overlaps the memory of x/);
          expectRejected(() => m.conv2d(x, w, { out: x, residual: x }), OptionError, /overlaps the memory of x/);
          const w1 = m.zeros([1, 1, 1, 1]), x1 = m.zeros([1, 1, 1, 1]);
          expectRejected(() => m.conv2d(x1, w1, { out: w1 }), OptionError, /overlaps the memory of weight/);
        });
      });
      it('residual of the wrong shape: ShapeError naming residual', () => {
        m.scope(() => {
          const x = m.zeros(x4), w = m.zeros([6, 4, 3, 3]), residual = m.zeros([1, 6, 3, 4]);
          expectRejected(() => m.conv2d(x, w, { residual }), ShapeError,
            /conv2d: residual must have the output's shape \[1, 6, 3, 3\], got \[1, 6, 3, 4\]/);
        });
      });
      it('a bad activation: OptionError naming activation', () => {
        m.scope(() => {
          const x = m.zeros(x4), w = m.zeros([6, 4, 3, 3]);
          for (const activation of ['gelu', 'ReLU', 1, true, {}]) {
            expectRejected(() => m.conv2d(x, w, { activation: activation as never }), OptionError,
              /conv2d: activation must be 'relu', 'relu6' or null/);
          }
        });
      });
      it('residual / out not tensors of this backend: DTypeError / DisposedTensorError', async () => {
        const other = await init({ backend: 'js' });
        m.scope(() => {
          const x = m.zeros(x4), w = m.zeros([6, 4, 3, 3]);
          const foreign = other.zeros([1, 6, 3, 3]);
          expectRejected(() => m.conv2d(x, w, { out: foreign }), DisposedTensorError, /out .*another module/);
          expectRejected(() => m.conv2d(x, w, { residual: [1, 2] as never }), DTypeError, /residual must be a Tensor/);
          const gone = m.zeros([1, 6, 3, 3]);
          gone.dispose();
          expectRejected(() => m.conv2d(x, w, { out: gone }), DisposedTensorError, /out .*dispose/);
        });
      });
      it('conv2dBackward does not take the fused options', () => {
        m.scope(() => {
          const x = m.zeros(x4), w = m.zeros([6, 4, 3, 3]), dy = m.zeros([1, 6, 3, 3]);
          for (const key of ['activation', 'residual', 'out']) {
            expectRejected(() => m.conv2dBackward(x, w, dy, { [key]: null } as never), OptionError, new RegExp(`unknown option '${key}'`));
          }
        });
      });
    });

    describe('prepareConv2d', () => {
      for (const [ci, c] of CASES.entries()) {
        it(`${c.name}: run() gives conv2d's bits with the same options, every variant`, () => {
          const yShape = outputShape(m, c);
          const d = caseData(c, product(yShape), 300 + ci);
          for (const v of VARIANTS) {
            const label = `${c.name}, ${describeVariant(v)}`;
            expect(maxAbsDiff(prepared(m, c, d, yShape, v), fused(m, c, d, yShape, v)), `${label}: prepared vs conv2d`).toBe(0);
          }
        });
      }

      it('holds its own copy of the weights and bias: they may be disposed after prepareConv2d', () => {
        const c = CASES[0];
        const yShape = outputShape(m, c);
        const d = caseData(c, product(yShape), 7);
        const v: Variant = { bias: true, residual: 'separate', activation: 'relu', out: false };
        expect(maxAbsDiff(prepared(m, c, d, yShape, v, true), fused(m, c, d, yShape, v))).toBe(0);
      });

      it('bytes: what it holds (> 0 on wasm, 0 on js); dispose() frees it; run() after dispose is a typed error', () => {
        m.scope(() => {
          const w = m.tensor(randomArray(16 * 8 * 9, seededRandom(3)), [16, 8, 3, 3]);
          const x = m.zeros([1, 8, 12, 12]), out = m.zeros([1, 16, 12, 12]);
          const before = m.memoryStats().allocatedBytes;
          const conv = prepareConv2d([1, 8, 12, 12], w, { padding: 1, activation: 'relu6' });
          const held = m.memoryStats().allocatedBytes - before;
          if (backend === 'js') {
            expect(conv.bytes).toBe(0);
          } else {
            expect(conv.bytes).toBeGreaterThan(16 * 8 * 9 * 4);
            expect(held).toBe(conv.bytes);
          }
          conv.run(x, out);
          conv.dispose();
          conv.dispose(); // idempotent
          expect(m.memoryStats().allocatedBytes).toBe(before);
          expect(() => conv.run(x, out)).toThrow(DisposedTensorError);
          const gone = m.zeros([1, 8, 12, 12]);
          gone.dispose();
          const again = prepareConv2d([1, 8, 12, 12], w, { padding: 1 });
          expect(() => again.run(gone, out)).toThrow(DisposedTensorError);
          again.dispose();
        });
      });

      it('validates everything when prepared, with conv2d\'s typed errors, before allocating', () => {
        m.scope(() => {
          const w = m.zeros([6, 4, 3, 3]);
          const before = m.memoryStats();
          const bad: [() => unknown, new (...a: never[]) => Error, RegExp][] = [
            [() => prepareConv2d([1, 5, 8, 8], w), ShapeError, /prepareConv2d: weight has 4 input channels per group but x has 5/],
            [() => prepareConv2d([1, 4, 8] as never, w), ShapeError, /prepareConv2d: x must have 4 dimensions/],
            [() => prepareConv2d('1x4x8x8' as never, w), ShapeError, /prepareConv2d: xShape must be an array of integers/],
            [() => prepareConv2d([1, 4, 8.5, 8], w), ShapeError, /xShape must be an array of integers/],
            [() => prepareConv2d([1, 4, 8, 8], w, { out: w } as never), OptionError, /unknown option 'out'/],
            [() => prepareConv2d([1, 4, 8, 8], w, { residual: w } as never), OptionError, /residual must be a boolean/],
            [() => prepareConv2d([1, 4, 8, 8], w, { activation: 'tanh' as never }), OptionError, /activation must be/],
            [() => prepareConv2d([1, 4, 8, 8], w, { stride: 0 }), OptionError, /stride must be an integer >= 1/],
            [() => prepareConv2d([1, 4, 8, 8], w, { bias: m.zeros([5]) }), ShapeError, /bias must have shape \[6\]/],
            [() => prepareConv2d([1, 4, 8, 8], w, { groups: 3 }), ShapeError, /not divisible by groups=3/],
            [() => prepareConv2d([1, 4, 2, 2], w), ShapeError, /smaller than the dilated kernel/],
          ];
          for (const [call, type, message] of bad) {
            expect(call).toThrow(type);
            expect(call).toThrow(message);
          }
          // the bias tensors made inside the calls above are the only new allocations
          expect(m.memoryStats().liveTensors).toBe(before.liveTensors + 2);
          const bias = m.zeros([6]);
          const mid = m.memoryStats().allocatedBytes;
          expect(() => prepareConv2d([1, 4, 8, 8], w, { bias, activation: 'gelu' as never })).toThrow(OptionError);
          expect(m.memoryStats().allocatedBytes).toBe(mid);
        });
      });

      it('run() without the residual it was prepared for: OptionError', () => {
        m.scope(() => {
          const conv = prepareConv2d([1, 1, 2, 2], m.tensor([1], [1, 1, 1, 1]), { residual: true });
          try {
            expect(() => conv.run(m.zeros([1, 1, 2, 2]), m.zeros([1, 1, 2, 2]))).toThrow(OptionError);
          } finally {
            conv.dispose();
          }
        });
      });
    });

    describe('linear out', () => {
      it('{ bias, out } writes into out and returns it; a bias tensor or null still works', () => {
        m.scope(() => {
          const x = m.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
          const w = m.tensor([1, 0, 0, 0, 1, 1], [2, 3]);
          const b = m.tensor([10, 20], [2]);
          const out = m.zeros([2, 2]);
          expect(m.linear(x, w, { bias: b, out })).toBe(out);
          expect(Array.from(out.data)).toEqual([11, 25, 14, 31]);
          expect(m.linear(x, w, { out })).toBe(out);
          expect(Array.from(out.data)).toEqual([1, 5, 4, 11]);
          expect(Array.from(m.linear(x, w, b).data)).toEqual([11, 25, 14, 31]);
          expect(Array.from(m.linear(x, w, { bias: b }).data)).toEqual([11, 25, 14, 31]);
          expect(Array.from(m.linear(x, w, null).data)).toEqual([1, 5, 4, 11]);
        });
      });
      it('typed errors: out shape, out aliasing x / weight / bias, unknown keys, a non-tensor bias', () => {
        m.scope(() => {
          const x = m.zeros([2, 2]), w = m.zeros([2, 2]), b = m.zeros([2]);
          expect(() => m.linear(x, w, { out: m.zeros([2, 3]) })).toThrow(ShapeError);
          expect(() => m.linear(x, w, { out: m.zeros([2, 3]) })).toThrow(/linear: out must have the output's shape \[2, 2\], got \[2, 3\]/);
          expect(() => m.linear(x, w, { out: x })).toThrow(OptionError);
          expect(() => m.linear(x, w, { out: w })).toThrow(/out .* overlaps the memory of weight/);
          expect(() => m.linear(x, w, { bias: b, relu: true } as never)).toThrow(/unknown option 'relu'/);
          expect(() => m.linear(x, w, 5 as never)).toThrow(/bias must be a Tensor/);
        });
      });
    });
  });
}

const unavailable = threadsUnavailableReason();
const THREADED = relaxedSimdSupported() ? ['wasm-simd', 'wasm-relaxed-simd'] as const : ['wasm-simd'] as const;

describe.skipIf(unavailable !== null)('conv2d fused output with threads', () => {
  for (const backend of THREADED) {
    it(`[${backend}] 2 threads give the one-thread bits (every part kernel path)`, async () => {
      const one = await init({ backend });
      const two = await init({ backend, threads: 2, threadMinFlops: 0 });
      try {
        expect(two.info().threads).toBe(2);
        for (const [ci, c] of CASES.entries()) {
          const yShape = outputShape(one, c);
          const d = caseData(c, product(yShape), 200 + ci);
          for (const v of VARIANTS) {
            const label = `${c.name}, ${describeVariant(v)}`;
            const got = fused(two, c, d, yShape, v);
            expect(maxAbsDiff(got, fused(one, c, d, yShape, v)), `${label}: threads vs one thread`).toBe(0);
            expectFusedMatches(got, composed(one, c, d, yShape, v), v, label);
            expect(maxAbsDiff(prepared(two, c, d, yShape, v), got), `${label}: prepared with threads`).toBe(0);
          }
        }
      } finally {
        two.dispose();
      }
    });
  }
});
