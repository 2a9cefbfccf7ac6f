// Multiply-adds per image of the small CNN at 28×28, counted the way tools/bench_train_torch.py's
// hooks count them (so the two reports agree): every conv and Linear, plus what the dynamic
// variants add — DY-Conv's attention and per-sample kernel aggregation, DCD's q, p, Φ, λ and its
// small fully connected branch. Pooling, BatchNorm and activations are not counted (as there).
const conv = (cin, cout, k, hw) => cout * cin * k * k * hw;

function dynamicExtra(variant, cin, cout, hwOut, { kernels = 4, latent, squeeze } = {}) {
  if (variant === 'dy') {
    const hidden = Math.max(Math.floor(cin / 4), 4);
    return kernels * cout * cin * 9 + cin * hidden + hidden * kernels;
  }
  if (variant === 'dcd') {
    // conv_basic_dy: L = ⌊√(4·Cin)⌋, S = max(4·Cin, L²) // 16, at least 4
    const L = latent ?? Math.floor(Math.sqrt(4 * cin));
    const S = squeeze ?? Math.max(4, Math.floor(Math.max(4 * cin, L * L) / 16));
    return L * cin * hwOut + cout * L * hwOut + L * L * hwOut + cout * hwOut + 4 * cin * S + S * S + S * L * L + S * cout;
  }
  return 0;
}

export function smallCnnMadds(variant) {
  let total = conv(1, 32, 3, 28 * 28);
  const blocks = [[32, 32, 28 * 28, false], [32, 64, 14 * 14, true], [64, 128, 7 * 7, true]];
  for (const [cin, cout, hw, shortcut] of blocks) {
    total += conv(cin, cout, 3, hw) + dynamicExtra(variant, cin, cout, hw);
    total += conv(cout, cout, 3, hw) + dynamicExtra(variant, cout, cout, hw);
    if (shortcut) total += conv(cin, cout, 1, hw);
  }
  return total + 128 * 10;
}
