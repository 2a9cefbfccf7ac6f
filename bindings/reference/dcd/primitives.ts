/**
 * Small building blocks of the DCD reference, on Float32Arrays: Hsig, adaptive average pooling to
 * 1×1 / 2×2, BatchNorm over (N, C, P) in train and eval mode, forward and backward.
 */

/** Hsig(t) = relu6(t + 3) / 3 (the DCD code's /3 variant: range [0, 2], 1 at t = 0). */
export const hsig = (t: number): number => Math.min(Math.max(t + 3, 0), 6) / 3;

/** dHsig/dt: 1/3 strictly inside (−3, 3), 0 outside and on the kinks (as PyTorch's relu6 backward). */
export const hsigGrad = (t: number): number => (t > -3 && t < 3 ? 1 / 3 : 0);

/** PyTorch's adaptive-pool bin [start, end) of output index i of `out` over an input side `size`. */
function bin(i: number, out: number, size: number): [number, number] {
  return [Math.floor((i * size) / out), Math.ceil(((i + 1) * size) / out)];
}

/** g[n, c·o² + i·o + j] = mean of x[n, c] over bin (i, j); o = 1 or 2 (bins overlap on odd sides). */
export function adaptivePool(x: Float32Array, n: number, c: number, h: number, w: number, o: number, g: Float32Array): void {
  for (let img = 0; img < n * c; img++) {
    const base = img * h * w;
    for (let i = 0; i < o; i++) {
      const [h0, h1] = bin(i, o, h);
      for (let j = 0; j < o; j++) {
        const [w0, w1] = bin(j, o, w);
        let sum = 0;
        for (let r = h0; r < h1; r++) for (let q = w0; q < w1; q++) sum += x[base + r * w + q];
        g[img * o * o + i * o + j] = sum / ((h1 - h0) * (w1 - w0));
      }
    }
  }
}

/** dx += the pooling gradient of dg (each bin's gradient spread evenly over its pixels). */
export function adaptivePoolBackwardAdd(dg: Float32Array, n: number, c: number, h: number, w: number, o: number, dx: Float32Array): void {
  for (let img = 0; img < n * c; img++) {
    const base = img * h * w;
    for (let i = 0; i < o; i++) {
      const [h0, h1] = bin(i, o, h);
      for (let j = 0; j < o; j++) {
        const [w0, w1] = bin(j, o, w);
        const share = dg[img * o * o + i * o + j] / ((h1 - h0) * (w1 - w0));
        for (let r = h0; r < h1; r++) for (let q = w0; q < w1; q++) dx[base + r * w + q] += share;
      }
    }
  }
}

export const BN_EPS = 1e-5;
export const BN_MOMENTUM = 0.1;

/** What BatchNorm backward needs: the normalised input and 1/σ per channel. */
export interface BatchNormTrace {
  xhat: Float32Array;
  invStd: Float64Array;
  training: boolean;
}

/**
 * BatchNorm over channel c of v (N, C, P): batch statistics (biased variance) in training mode, then
 * running stats ← (1 − m)·running + m·batch (unbiased variance); running statistics in eval mode.
 */
export function batchNormForward(
  v: Float32Array, n: number, c: number, p: number, weight: Float32Array, bias: Float32Array,
  runningMean: Float32Array, runningVar: Float32Array, training: boolean, out: Float32Array, momentum = BN_MOMENTUM,
): BatchNormTrace {
  const xhat = new Float32Array(v.length);
  const invStd = new Float64Array(c);
  const count = n * p;
  for (let ch = 0; ch < c; ch++) {
    let mean: number, variance: number;
    if (training) {
      let sum = 0;
      for (let i = 0; i < n; i++) for (let k = 0; k < p; k++) sum += v[(i * c + ch) * p + k];
      mean = sum / count;
      let sq = 0;
      for (let i = 0; i < n; i++) for (let k = 0; k < p; k++) sq += (v[(i * c + ch) * p + k] - mean) ** 2;
      variance = sq / count;
      runningMean[ch] = (1 - momentum) * runningMean[ch] + momentum * mean;
      runningVar[ch] = (1 - momentum) * runningVar[ch] + momentum * (sq / (count - 1));
    } else {
      mean = runningMean[ch];
      variance = runningVar[ch];
    }
    const inv = 1 / Math.sqrt(variance + BN_EPS);
    invStd[ch] = inv;
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < p; k++) {
        const at = (i * c + ch) * p + k;
        xhat[at] = (v[at] - mean) * inv;
        out[at] = weight[ch] * xhat[at] + bias[ch];
      }
    }
  }
  return { xhat, invStd, training };
}

/** dv (overwritten), dweight, dbias of BatchNorm given dout. Training mode differentiates the batch statistics. */
export function batchNormBackward(
  dout: Float32Array, trace: BatchNormTrace, n: number, c: number, p: number, weight: Float32Array,
  dv: Float32Array, dweight: Float32Array, dbias: Float32Array,
): void {
  const { xhat, invStd, training } = trace;
  const count = n * p;
  for (let ch = 0; ch < c; ch++) {
    let sumD = 0, sumDX = 0;
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < p; k++) {
        const at = (i * c + ch) * p + k;
        sumD += dout[at];
        sumDX += dout[at] * xhat[at];
      }
    }
    dbias[ch] = sumD;
    dweight[ch] = sumDX;
    const scale = weight[ch] * invStd[ch];
    const meanD = sumD / count, meanDX = sumDX / count;
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < p; k++) {
        const at = (i * c + ch) * p + k;
        dv[at] = training ? scale * (dout[at] - meanD - xhat[at] * meanDX) : scale * dout[at];
      }
    }
  }
}
