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
