// The DCD layer row of bench:peers: conv_dy 256→256 3×3 @14² (L = 16), eval-mode forward, as composed
// from TensorFlow.js ops on its wasm backend (XNNPACK convs) and as this library's DCDConv2d, each next
// to the static conv of the same shape on the same engine. Outputs are checked against the plain-JS
// composition (reference.mjs) before timing; the library's layer is used when dist/ exports it and the
// backend implements it (else its cells say n/a).
import * as dcd from '../../../dist/index.js';
import { interleavedAsync } from '../../lib/timing_async.mjs';
import { maxRelativeError } from '../../lib/check.mjs';
import { lcg } from '../shapes.mjs';
import { nchwToNhwc, nhwcToNchw, oihwToHwio } from '../layout.mjs';
import { convDyDims, convDyState } from './state.mjs';
import { tfjsConvDy } from './tfjs_ops.mjs';
import { referenceConvDy } from './reference.mjs';

export const DCD_LAYER = { name: 'conv_dy 256->256 3x3 @14 L=16', cin: 256, cout: 256, kernel: 3, stride: 1, padding: 1, hw: 14 };

/** engines: { tf, simd (dcd-wasm module), js (dcd-wasm JS module) }. Returns one result record. */
export async function benchmarkDcdLayer({ tf, simd, js }, batch, timing, maxRelErr) {
  const s = DCD_LAYER;
  const d = convDyDims(s);
  const state = convDyState(d);
  const x = lcg(batch * s.cin * s.hw * s.hw, 5);
  const reference = referenceConvDy(js, d, state, x, batch, s.hw);
  const runs = {}, status = {}, errors = {}, disposers = [];
  const check = (name, output, run) => {
    errors[name] = maxRelativeError({ y: output }, { y: reference });
    status[name] = errors[name] <= maxRelErr ? 'ok' : 'FAIL';
    if (status[name] === 'ok') runs[name] = run;
  };

  // TensorFlow.js: the static conv and the composed layer, NHWC.
  const xt = tf.tensor4d(nchwToNhwc(x, batch, s.cin, s.hw, s.hw), [batch, s.hw, s.hw, s.cin]);
  const w0 = tf.tensor4d(oihwToHwio(state['conv.weight'].data, s.cout, s.cin, s.kernel, s.kernel), [s.kernel, s.kernel, s.cin, s.cout]);
  const pad = [[0, 0], [s.padding, s.padding], [s.padding, s.padding], [0, 0]];
  runs['xnnpack conv'] = () => tf.conv2d(xt, w0, s.stride, pad).dispose();
  const layer = tfjsConvDy(tf, d, state);
  const yt = layer.forward(xt);
  check('tfjs-ops DCD', nhwcToNchw(yt.dataSync(), batch, s.cout, yt.shape[1], yt.shape[2]), () => layer.forward(xt).dispose());
  yt.dispose();
  disposers.push(() => { xt.dispose(); w0.dispose(); layer.dispose(); });

  // This library: the static conv, and DCDConv2d when it exists.
  const xs = simd.tensor(x, [batch, s.cin, s.hw, s.hw]);
  const ws = simd.tensor(state['conv.weight'].data, state['conv.weight'].shape);
  runs['dcd-simd conv'] = () => simd.conv2d(xs, ws, { stride: s.stride, padding: s.padding }).dispose();
  disposers.push(() => { xs.dispose(); ws.dispose(); });
  const ours = makeDcdConv2d(simd, s, state);
  if (ours.layer) {
    const y = ours.layer.forward(xs);
    check('dcd-simd DCD', y.toFloat32Array(), () => ours.layer.forward(xs).dispose());
    y.dispose();
    disposers.push(() => ours.layer.dispose?.());
  } else {
    status['dcd-simd DCD'] = `n/a: ${ours.reason}`;
  }

  const ms = await interleavedAsync(runs, timing);
  for (const dispose of disposers) dispose();
  return { layer: s.name, batch, dims: d, ms, status, maxRelErr: errors };
}

function makeDcdConv2d(m, s, state) {
  if (typeof dcd.DCDConv2d !== 'function') return { reason: 'dist/ does not export DCDConv2d yet' };
  try {
    const layer = new dcd.DCDConv2d(m, {
      inChannels: s.cin, outChannels: s.cout, kernelSize: s.kernel, stride: s.stride, padding: s.padding,
    });
    layer.loadStateDict(state);
    layer.eval();
    return { layer };
  } catch (err) {
    return { reason: err.message.split('\n')[0] };
  }
}

/** Console/Markdown rows for the DCD records. */
export function dcdLayerTable(records) {
  const f = (v) => (v == null ? '–' : v.toFixed(2));
  const rows = [['DCD layer (eval forward)', 'N', 'XNNPACK conv ms', 'tfjs-ops DCD ms', 'DCD/conv', 'dcd SIMD conv ms', 'dcd SIMD DCD ms', 'DCD/conv', 'dcd DCD vs tfjs-ops DCD', 'check']];
  for (const r of records) {
    const t = r.ms;
    const ours = t['dcd-simd DCD'];
    rows.push([
      r.layer, String(r.batch),
      f(t['xnnpack conv']), r.status['tfjs-ops DCD'] === 'ok' ? f(t['tfjs-ops DCD']) : r.status['tfjs-ops DCD'],
      t['tfjs-ops DCD'] ? `${f(t['tfjs-ops DCD'] / t['xnnpack conv'])}×` : '–',
      f(t['dcd-simd conv']), ours ? f(ours) : r.status['dcd-simd DCD'],
      ours ? `${f(ours / t['dcd-simd conv'])}×` : '–',
      ours && t['tfjs-ops DCD'] ? `${f(t['tfjs-ops DCD'] / ours)}×` : '–',
      Object.entries(r.maxRelErr).map(([n, e]) => `${n} ${e.toExponential(0)}`).join('; '),
    ]);
  }
  return rows;
}
