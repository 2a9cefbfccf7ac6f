// 5×5 pad-2 depthwise planes for the scalar build (runtimes without SIMD): the same passes as the
// SIMD kernels in depthwise_5x5.ts, one column at a time with a sliding window in locals, so each
// source value is loaded once per pass and no pixel is range-checked. One pass per kernel row (five
// taps and five window values live; two rows would spill), the output row added into after the
// first pass. Weight gradients keep five accumulators per kernel row.

// @ts-ignore: decorator
@inline function tapS(taps: usize, flip: bool, u: i32, v: i32): f32 {
  return load<f32>(taps + (<usize>(flip ? 24 - (u * 5 + v) : u * 5 + v) << 2));
}

// d[j] = (first ? bias : d[j]) + Σ_v t_v · r[j − 2 + v], j in [0, W), W ≥ 3.
// @ts-ignore: decorator
@inline function passS1(
  first: bool, d: usize, r: usize, W: i32, bias: f32, t0: f32, t1: f32, t2: f32, t3: f32, t4: f32,
): void {
  let x0: f32 = 0, x1: f32 = 0, x2 = load<f32>(r), x3 = load<f32>(r, 4);
  const end = <usize>(W - 2) << 2;
  for (let o: usize = 0; o < end; o += 4) {
    const x4 = load<f32>(r + o, 8);
    const s = (t0 * x0 + t1 * x1) + (t2 * x2 + t3 * x3) + t4 * x4;
    store<f32>(d + o, (first ? bias : load<f32>(d + o)) + s);
    x0 = x1; x1 = x2; x2 = x3; x3 = x4;
  }
  const p = d + end;
  store<f32>(p, (first ? bias : load<f32>(p)) + ((t0 * x0 + t1 * x1) + (t2 * x2 + t3 * x3)));
  store<f32>(p, (first ? bias : load<f32>(p, 4)) + ((t0 * x1 + t1 * x2) + t2 * x3), 4);
}

/** Scalar planeCorrelate5x5 (stride 1, pad 2 columns, any PH, W ≥ 3). */
export function planeCorrelate5x5Scalar(
  src: usize, SRC_H: i32, W: i32, dst: usize, OH: i32,
  taps: usize, flip: bool, PH: i32, bias: f32, accumulate: bool,
): void {
  const rowBytes = <usize>W << 2;
  for (let i = 0; i < OH; i++) {
    const top = i - PH;
    const d = dst + <usize>i * rowBytes;
    const uLo = max(0, -top), uHi = min(5, SRC_H - top);
    let first = !accumulate;
    for (let u = uLo; u < uHi; u++) {
      const r = src + <usize>(top + u) * rowBytes;
      const t0 = tapS(taps, flip, u, 0), t1 = tapS(taps, flip, u, 1), t2 = tapS(taps, flip, u, 2);
      const t3 = tapS(taps, flip, u, 3), t4 = tapS(taps, flip, u, 4);
      if (first) passS1(true, d, r, W, bias, t0, t1, t2, t3, t4);
      else passS1(false, d, r, W, bias, t0, t1, t2, t3, t4);
      first = false;
    }
    if (first) for (let o: usize = 0; o < rowBytes; o += 4) store<f32>(d + o, bias);
  }
}

/** Scalar planeWeightGrad5x5: dw[u,v] (+)= Σ g[i,j] · x[i − PH + u, j − 2 + v]. */
export function planeWeightGrad5x5Scalar(
  x: usize, H: i32, W: i32, g0: usize, OH: i32, PH: i32, dw: usize, accumulate: bool,
): void {
  const rowBytes = <usize>W << 2;
  const end = <usize>(W - 2) << 2;
  for (let u = 0; u < 5; u++) {
    let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0, s4: f32 = 0;
    const iLo = max(0, PH - u), iHi = min(OH, H + PH - u);
    for (let i = iLo; i < iHi; i++) {
      const r = x + <usize>(i - PH + u) * rowBytes;
      const g = g0 + <usize>i * rowBytes;
      let x0: f32 = 0, x1: f32 = 0, x2 = load<f32>(r), x3 = load<f32>(r, 4);
      for (let o: usize = 0; o < end; o += 4) {
        const x4 = load<f32>(r + o, 8);
        const gv = load<f32>(g + o);
        s0 += gv * x0; s1 += gv * x1; s2 += gv * x2; s3 += gv * x3; s4 += gv * x4;
        x0 = x1; x1 = x2; x2 = x3; x3 = x4;
      }
      const ga = load<f32>(g + end), gb = load<f32>(g + end, 4);
      s0 += ga * x0 + gb * x1; s1 += ga * x1 + gb * x2; s2 += ga * x2 + gb * x3; s3 += ga * x3;
    }
    weightGradOut5S(dw + <usize>(u * 20), s0, s1, s2, s3, s4, accumulate);
  }
}

// @ts-ignore: decorator
@inline function weightGradOut5S(d: usize, s0: f32, s1: f32, s2: f32, s3: f32, s4: f32, accumulate: bool): void {
  if (accumulate) {
    s0 += load<f32>(d); s1 += load<f32>(d, 4); s2 += load<f32>(d, 8); s3 += load<f32>(d, 12); s4 += load<f32>(d, 16);
  }
  store<f32>(d, s0); store<f32>(d, s1, 4); store<f32>(d, s2, 8); store<f32>(d, s3, 12); store<f32>(d, s4, 16);
}

// Stride 2: output j reads columns 2j − 2 .. 2j + 2; 2j − 2, 2j − 1, 2j are carried from output
// j − 1, so two loads per output and pass. OW = ⌊(W − 1)/2⌋ + 1: outputs j < jFull = ⌊(W − 1)/2⌋
// have column 2j + 2 inside the row, the last one reads 2j + 1 only when W is even.
// @ts-ignore: decorator
@inline function passS2(
  first: bool, d: usize, r: usize, W: i32, jFull: i32, bias: f32,
  t0: f32, t1: f32, t2: f32, t3: f32, t4: f32,
): void {
  let x0: f32 = 0, x1: f32 = 0, x2 = load<f32>(r);
  const end = <usize>jFull << 2;
  let p = r;
  for (let o: usize = 0; o < end; o += 4) {
    const x3 = load<f32>(p, 4), x4 = load<f32>(p, 8);
    const s = (t0 * x0 + t1 * x1) + (t2 * x2 + t3 * x3) + t4 * x4;
    store<f32>(d + o, (first ? bias : load<f32>(d + o)) + s);
    x0 = x2; x1 = x3; x2 = x4;
    p += 8;
  }
  let s = (t0 * x0 + t1 * x1) + t2 * x2;
  if (!(W & 1)) s += t3 * load<f32>(p, 4);
  const q = d + end;
  store<f32>(q, (first ? bias : load<f32>(q)) + s);
}

/** Scalar planeCorrelate5x5s2 (any PH, W ≥ 3). */
export function planeCorrelate5x5s2Scalar(
  src: usize, SRC_H: i32, W: i32, dst: usize, OH: i32, OW: i32,
  taps: usize, PH: i32, bias: f32, accumulate: bool,
): void {
  const rowBytes = <usize>W << 2;
  const jFull = (W - 1) >> 1;
  for (let i = 0; i < OH; i++) {
    const top = 2 * i - PH;
    const d = dst + <usize>(i * OW) * 4;
    const uLo = max(0, -top), uHi = min(5, SRC_H - top);
    let first = !accumulate;
    for (let u = uLo; u < uHi; u++) {
      const r = src + <usize>(top + u) * rowBytes;
      const t0 = tapS(taps, false, u, 0), t1 = tapS(taps, false, u, 1), t2 = tapS(taps, false, u, 2);
      const t3 = tapS(taps, false, u, 3), t4 = tapS(taps, false, u, 4);
      if (first) passS2(true, d, r, W, jFull, bias, t0, t1, t2, t3, t4);
      else passS2(false, d, r, W, jFull, bias, t0, t1, t2, t3, t4);
      first = false;
    }
    if (first) for (let j = 0; j < OW; j++) store<f32>(d + (<usize>j << 2), bias);
  }
}

// Backward data stride 2, one dy row into one x row: even column 2m = t0·g[m+1] + t2·g[m] + t4·g[m−1],
// odd column 2m+1 = t1·g[m+1] + t3·g[m]; g[m], g[m−1] carried. OW = ⌈W/2⌉.
// @ts-ignore: decorator
@inline function gatherRowS(
  first: bool, d: usize, g: usize, W: i32, OW: i32, t0: f32, t1: f32, t2: f32, t3: f32, t4: f32,
): void {
  let gp: f32 = 0, gc = load<f32>(g);
  const end = <usize>(OW - 1) << 2;
  let q = d;
  for (let o: usize = 0; o < end; o += 4) {
    const gn = load<f32>(g + o, 4);
    let e = t0 * gn + (t2 * gc + t4 * gp), od = t1 * gn + t3 * gc;
    if (!first) { e += load<f32>(q); od += load<f32>(q, 4); }
    store<f32>(q, e); store<f32>(q, od, 4);
    gp = gc; gc = gn;
    q += 8;
  }
  let e = t2 * gc + t4 * gp;
  if (!first) e += load<f32>(q);
  store<f32>(q, e);
  if (!(W & 1)) {
    let od = t3 * gc;
    if (!first) od += load<f32>(q, 4);
    store<f32>(q, od, 4);
  }
}

/** Scalar planeGather5x5s2: dx (+)= conv_transpose(dy, taps), stride 2, pad 2 columns, any PH. */
export function planeGather5x5s2Scalar(
  dy: usize, OH: i32, OW: i32, dx: usize, H: i32, W: i32, taps: usize, PH: i32, accumulate: bool,
): void {
  const gBytes = <usize>OW << 2, dBytes = <usize>W << 2;
  for (let r = 0; r < H; r++) {
    const d = dx + <usize>r * dBytes;
    const t = r + PH;
    let first = !accumulate;
    for (let u = t & 1; u < 5; u += 2) {
      const i = (t - u) >> 1;
      if (i < 0) break;
      if (i >= OH) continue;
      const g = dy + <usize>i * gBytes;
      const t0 = tapS(taps, false, u, 0), t1 = tapS(taps, false, u, 1), t2 = tapS(taps, false, u, 2);
      const t3 = tapS(taps, false, u, 3), t4 = tapS(taps, false, u, 4);
      if (first) gatherRowS(true, d, g, W, OW, t0, t1, t2, t3, t4);
      else gatherRowS(false, d, g, W, OW, t0, t1, t2, t3, t4);
      first = false;
    }
    if (first) memory.fill(d, 0, dBytes);
  }
}

/** Scalar planeWeightGrad5x5s2: dw[u,v] (+)= Σ g[i,j] · x[2i − PH + u, 2j − 2 + v]. */
export function planeWeightGrad5x5s2Scalar(
  x: usize, H: i32, W: i32, g0: usize, OH: i32, OW: i32, PH: i32, dw: usize, accumulate: bool,
): void {
  const xBytes = <usize>W << 2, gBytes = <usize>OW << 2;
  const jFull = (W - 1) >> 1;
  const end = <usize>jFull << 2;
  for (let u = 0; u < 5; u++) {
    let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0, s4: f32 = 0;
    // Output rows i with source row 2i − PH + u in [0, H).
    const iLo = max(0, (PH - u + 1) >> 1), iHi = min(OH, ((H - 1 + PH - u) >> 1) + 1);
    for (let i = iLo; i < iHi; i++) {
      const r = x + <usize>(2 * i - PH + u) * xBytes;
      const g = g0 + <usize>i * gBytes;
      let x0: f32 = 0, x1: f32 = 0, x2 = load<f32>(r);
      let p = r;
      for (let o: usize = 0; o < end; o += 4) {
        const x3 = load<f32>(p, 4), x4 = load<f32>(p, 8);
        const gv = load<f32>(g + o);
        s0 += gv * x0; s1 += gv * x1; s2 += gv * x2; s3 += gv * x3; s4 += gv * x4;
        x0 = x2; x1 = x3; x2 = x4;
        p += 8;
      }
      const gv = load<f32>(g + end);
      s0 += gv * x0; s1 += gv * x1; s2 += gv * x2;
      if (!(W & 1)) s3 += gv * load<f32>(p, 4);
    }
    weightGradOut5S(dw + <usize>(u * 20), s0, s1, s2, s3, s4, accumulate);
  }
}
