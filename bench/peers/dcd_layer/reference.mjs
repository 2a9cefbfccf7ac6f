// Plain-JS eval-mode conv_dy (NCHW), the correctness check of the tfjs composition: this library's
// JS-reference conv2d for the three convolutions, direct loops for everything else.

export function referenceConvDy(js, d, state, x, batch, hw) {
  const { cin, cout, latent: L, squeeze: S, stride, padding } = d;
  const conv = (name, st, pad) => {
    const xt = js.tensor(x, [batch, cin, hw, hw]);
    const w = js.tensor(state[name].data, state[name].shape);
    const y = js.conv2d(xt, w, { stride: st, padding: pad });
    const out = { data: y.toFloat32Array(), hw: y.shape[2] };
    xt.dispose(); w.dispose(); y.dispose();
    return out;
  };
  const r = conv('conv.weight', stride, padding);
  const zq = conv('q.weight', stride, 0);
  const P = zq.hw * zq.hw;
  const y = new Float32Array(batch * cout * P);
  for (let b = 0; b < batch; b++) {
    const g = new Float32Array(cin).map((_, c) => mean(x.subarray((b * cin + c) * hw * hw, (b * cin + c + 1) * hw * hw)));
    let s = linear(g, state['fc.0.weight'].data, S);
    const gate = linear(s, state['fc.1.fc.0.weight'].data, S).map(hsig);
    s = s.map((v, i) => v * gate[i]);
    const phi = linear(s, state['fc_phi.weight'].data, L * L);
    const lambda = linear(s, state['fc_scale.weight'].data, cout).map(hsig);
    const z = new Float32Array(L * P);
    for (let l = 0; l < L; l++) for (let p = 0; p < P; p++) z[l * P + p] = bn(state, 'bn1', l, zq.data[(b * L + l) * P + p]);
    const fused = new Float32Array(L * P);
    for (let i = 0; i < L; i++) {
      for (let p = 0; p < P; p++) {
        let acc = 0;
        for (let j = 0; j < L; j++) acc += phi[i * L + j] * z[j * P + p];
        fused[i * P + p] = bn(state, 'bn2', i, acc) + z[i * P + p];
      }
    }
    const pw = state['p.weight'].data;
    for (let o = 0; o < cout; o++) {
      for (let p = 0; p < P; p++) {
        let acc = lambda[o] * r.data[(b * cout + o) * P + p];
        for (let l = 0; l < L; l++) acc += pw[o * L + l] * fused[l * P + p];
        y[(b * cout + o) * P + p] = acc;
      }
    }
  }
  return y;
}

const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;
const hsig = (t) => Math.min(Math.max(t + 3, 0), 6) / 3;

function linear(v, w, out) {
  const n = v.length;
  return new Float32Array(out).map((_, o) => { let s = 0; for (let i = 0; i < n; i++) s += w[o * n + i] * v[i]; return s; });
}

function bn(state, name, c, v) {
  const g = state[`${name}.weight`].data[c], b = state[`${name}.bias`].data[c];
  const m = state[`${name}.running_mean`].data[c], vr = state[`${name}.running_var`].data[c];
  return ((v - m) / Math.sqrt(vr + 1e-5)) * g + b;
}
