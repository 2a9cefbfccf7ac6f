// Layout conversions between PyTorch's NCHW / OIHW and the NHWC / HWIO layouts of tfjs and XNNPACK.

export function nchwToNhwc(src, n, c, h, w) {
  const dst = new Float32Array(src.length);
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++)
      for (let i = 0; i < h * w; i++) dst[(b * h * w + i) * c + ch] = src[(b * c + ch) * h * w + i];
  return dst;
}

export function nhwcToNchw(src, n, c, h, w) {
  const dst = new Float32Array(src.length);
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++)
      for (let i = 0; i < h * w; i++) dst[(b * c + ch) * h * w + i] = src[(b * h * w + i) * c + ch];
  return dst;
}

/** (O, I, kh, kw) → (kh, kw, I, O). */
export function oihwToHwio(src, o, i, kh, kw) {
  const dst = new Float32Array(src.length);
  for (let a = 0; a < o; a++)
    for (let b = 0; b < i; b++)
      for (let s = 0; s < kh * kw; s++) dst[(s * i + b) * o + a] = src[(a * i + b) * kh * kw + s];
  return dst;
}
