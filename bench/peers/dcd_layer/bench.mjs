// The DCD layer row of bench:peers: conv_dy 256→256 3×3 @14² (L = 16), eval-mode forward, as composed
// from TensorFlow.js ops on its wasm backend (XNNPACK convs) and as this library's DCDConv2d, each next
// to the static conv of the same shape on the same engine. Outputs are checked against the plain-JS
// composition (reference.mjs) before timing; the library's layer is used when dist/ exports it and the
// backend implements it (else its cells say n/a).
import * as dcd from '../../../dist/index.js';
import { interleavedAsyncClocks } from '../../lib/timing_async.mjs';
import { maxRelativeError } from '../../lib/check.mjs';
import { lcg } from '../shapes.mjs';
import { nchwToNhwc, nhwcToNchw, oihwToHwio } from '../layout.mjs';
import { convDyDims, convDyState } from './state.mjs';
import { tfjsConvDy } from './tfjs_ops.mjs';
import { referenceConvDy } from './reference.mjs';

export const DCD_LAYER = { name: 'conv_dy 256->256 3x3 @14 L=16', cin: 256, cout: 256, kernel: 3, stride: 1, padding: 1, hw: 14 };

/**
 * engines: { tf, simd, relaxed? (dcd-wasm modules), js (dcd-wasm JS module) }; timing: interleavedAsync
 * options + backward (time this library's training step too). Returns one result record.
 */
export async function benchmarkDcdLayer({ tf, simd, relaxed, js }, batch, { backward = true, ...timing }, maxRelErr) {
  const s = DCD_LAYER;
  const d = convDyDims(s);
  const state = convDyState(d);
  const x = lcg(batch * s.cin * s.hw * s.hw, 5);
  const reference = referenceConvDy(js, d, state, x, batch, s.hw);
  const runs = {}, status = {}, errors = {}, disposers = [];
  const check = (name, output, run, ref = reference) => {
    errors[name] = maxRelativeError(typeof output === 'object' && !(output instanceof Float32Array) ? output : { y: output },
      ref instanceof Float32Array ? { y: ref } : ref);
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

  // This library, each build: the static conv, and DCDConv2d when it exists.
  const dy = lcg(batch * s.cout * s.hw * s.hw, 6);
  let trainReference = null; // the JS backend's training step (dx and the conv weight's gradient)
  for (const [tag, m] of Object.entries({ 'dcd-simd': simd, 'dcd-relaxed': relaxed })) {
    if (!m) continue;
    const xs = m.tensor(x, [batch, s.cin, s.hw, s.hw]);
    const ws = m.tensor(state['conv.weight'].data, state['conv.weight'].shape);
    runs[`${tag} conv`] = () => m.conv2d(xs, ws, { stride: s.stride, padding: s.padding }).dispose();
    disposers.push(() => { xs.dispose(); ws.dispose(); });
    const ours = makeDcdConv2d(m, s, state);
    if (!ours.layer) {
      status[`${tag} DCD`] = `n/a: ${ours.reason}`;
      continue;
    }
    const y = ours.layer.forward(xs);
    check(`${tag} DCD`, y.toFloat32Array(), () => ours.layer.forward(xs).dispose());
    y.dispose();
    disposers.push(() => ours.layer.dispose?.());
    // Training: a second layer in train mode (batch statistics); its forward and its backward are timed
    // separately (backward() reuses the last forward's cache, so it can be called again and again).
    if (backward && tag === 'dcd-simd') {
      trainReference ??= trainStep(js, s, state, x, dy, batch);
      const train = makeDcdConv2d(m, s, state).layer.train();
      const dys = m.tensor(dy, [batch, s.cout, s.hw, s.hw]);
      const got = trainStep(m, s, state, x, dy, batch, train, dys);
      check(`${tag} DCD train`, got, () => train.forward(xs).dispose(), trainReference);
      if (status[`${tag} DCD train`] === 'ok') runs[`${tag} DCD bwd`] = () => train.backward(dys).dispose();
      disposers.push(() => { train.dispose(); dys.dispose(); });
    }
  }

  const t = await interleavedAsyncClocks(runs, timing);
  for (const dispose of disposers) dispose();
  return { layer: s.name, batch, dims: d, ms: t.ms, clock: timing.clock ?? 'wall', status, maxRelErr: errors };
}

/** A train-mode forward + backward: { y, dx, dconv } (conv.weight's gradient) as Float32Arrays. */
function trainStep(m, s, state, x, dy, batch, layer = makeDcdConv2d(m, s, state).layer.train(), dyt = null) {
  const xs = m.tensor(x, [batch, s.cin, s.hw, s.hw]);
  const own = dyt === null;
  dyt ??= m.tensor(dy, [batch, s.cout, s.hw, s.hw]);
  const y = layer.forward(xs);
  const dx = layer.backward(dyt);
  const out = { y: y.toFloat32Array(), dx: dx.toFloat32Array(), dconv: layer.grads()['conv.weight'].toFloat32Array() };
  y.dispose(); dx.dispose(); xs.dispose();
  if (own) { dyt.dispose(); layer.dispose(); }
  return out;
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

/** Console/Markdown rows for the DCD records: the forward table, then this library's training step. */
export function dcdLayerTable(records) {
  const f = (v) => (v == null ? '–' : v.toFixed(2));
  const x = (v) => (v == null || !Number.isFinite(v) ? '–' : `${v.toFixed(2)}×`);
  const rows = [[
    'DCD layer (eval forward)', 'N', 'XNNPACK conv ms', 'tfjs-ops DCD ms', 'DCD/conv',
    'dcd SIMD conv ms', 'DCD ms', 'DCD/conv', 'vs tfjs-ops DCD',
    'dcd relaxed conv ms', 'DCD ms', 'DCD/conv', 'vs tfjs-ops DCD', 'check',
  ]];
  for (const r of records) {
    const t = r.ms;
    const tf = t['tfjs-ops DCD'];
    const ours = (tag) => {
      if (t[`${tag} conv`] == null) return ['–', '–', '–', '–'];
      const dcd = t[`${tag} DCD`];
      return [f(t[`${tag} conv`]), dcd ? f(dcd) : (r.status[`${tag} DCD`] ?? '–'), x(dcd / t[`${tag} conv`]), x(tf / dcd)];
    };
    rows.push([
      r.layer, String(r.batch),
      f(t['xnnpack conv']), r.status['tfjs-ops DCD'] === 'ok' ? f(tf) : r.status['tfjs-ops DCD'], x(tf / t['xnnpack conv']),
      ...ours('dcd-simd'), ...ours('dcd-relaxed'),
      Object.entries(r.maxRelErr).map(([n, e]) => `${n} ${e.toExponential(0)}`).join('; '),
    ]);
  }
  return rows;
}

/** The DCD training rows (this library's SIMD build; the peers have no training kernels). */
export function dcdTrainTable(records) {
  const f = (v) => (v == null ? '–' : v.toFixed(2));
  const x = (v) => (v == null || !Number.isFinite(v) ? '–' : `${v.toFixed(2)}×`);
  const rows = [['DCD layer (training, dcd SIMD)', 'N', 'eval fwd ms', 'train fwd ms', 'bwd ms', 'bwd ÷ train fwd', 'step (fwd+bwd) ms', 'step ÷ train fwd', 'step ÷ eval fwd']];
  for (const r of records) {
    const t = r.ms;
    const fwd = t['dcd-simd DCD train'], bwd = t['dcd-simd DCD bwd'], ev = t['dcd-simd DCD'];
    if (fwd == null || bwd == null) {
      rows.push([r.layer, String(r.batch), f(ev), r.status['dcd-simd DCD train'] ?? '–', '–', '–', '–', '–', '–']);
      continue;
    }
    rows.push([r.layer, String(r.batch), f(ev), f(fwd), f(bwd), x(bwd / fwd), f(fwd + bwd), x((fwd + bwd) / fwd), x((fwd + bwd) / ev)]);
  }
  return rows;
}
