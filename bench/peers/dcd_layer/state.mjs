// A conv_dy layer's sizes and a deterministic eval-mode state, keyed by the PyTorch state_dict names
// (spec /work/shared/spec/DCD.md §3): the same tensors feed the tfjs composition, the plain-JS check
// and this library's DCDConv2d (through loadStateDict).
import { lcg } from '../shapes.mjs';

/** conv_dy(Cin, Cout, k, stride, pad): pool 1, L = ⌊√Cin⌋, S = max(Cin, L²) // 16. */
export function convDyDims({ cin, cout, kernel, stride = 1, padding = 0 }) {
  const latent = Math.floor(Math.sqrt(cin));
  return { cin, cout, kernel, stride, padding, latent, squeeze: Math.floor(Math.max(cin, latent * latent) / 16) };
}

export function convDyState(d) {
  const { cin, cout, kernel: k, latent: L, squeeze: S } = d;
  let seed = 10;
  const uniform = (shape, fanIn) => ({ shape, data: lcg(shape.reduce((a, b) => a * b, 1), seed++).map((v) => v / Math.sqrt(fanIn)) });
  const around = (shape, center, spread) => ({ shape, data: lcg(shape[0], seed++).map((v) => center + spread * v) });
  const bn = (name) => ({
    [`${name}.weight`]: around([L], 1, 0.2), [`${name}.bias`]: around([L], 0, 0.1),
    [`${name}.running_mean`]: around([L], 0, 0.1), [`${name}.running_var`]: around([L], 1, 0.3),
  });
  return {
    'conv.weight': uniform([cout, cin, k, k], cin * k * k),
    'q.weight': uniform([L, cin, 1, 1], cin),
    'p.weight': uniform([cout, L, 1, 1], L),
    ...bn('bn1'), ...bn('bn2'),
    'fc.0.weight': uniform([S, cin], cin),
    'fc.1.fc.0.weight': uniform([S, S], S),
    'fc_phi.weight': uniform([L * L, S], S),
    'fc_scale.weight': uniform([cout, S], S),
  };
}
