// Row-wise softmax with temperature, forward and backward (f32, byte-offset pointers, no allocation).
//   forward:  p[n, :] = softmax(z[n, :] · invT)          (invT = 1/τ; max-subtracted, as PyTorch)
//   backward: dz[n, j] = invT · p[n, j] · (dp[n, j] − Σ_i dp[n, i] · p[n, i])

import { expf } from "./exp";

/** p (N, K) = softmax(z · invT) per row. p may alias z. */
export function softmaxForward(N: i32, K: i32, invT: f32, z: usize, p: usize): void {
  for (let n = 0; n < N; n++) {
    const zr = z + (<usize>(n * K) << 2);
    const pr = p + (<usize>(n * K) << 2);
    let top: f32 = -Infinity;
    for (let j = 0; j < K; j++) top = max(top, load<f32>(zr + (<usize>j << 2)) * invT);
    let sum: f32 = 0;
    for (let j = 0; j < K; j++) {
      const e = expf(load<f32>(zr + (<usize>j << 2)) * invT - top);
      store<f32>(pr + (<usize>j << 2), e);
      sum += e;
    }
    const inv: f32 = 1.0 / sum;
    for (let j = 0; j < K; j++) store<f32>(pr + (<usize>j << 2), load<f32>(pr + (<usize>j << 2)) * inv);
  }
}

/** dz (N, K) from the forward output p and upstream dp. dz may alias dp. */
export function softmaxBackward(N: i32, K: i32, invT: f32, p: usize, dp: usize, dz: usize): void {
  for (let n = 0; n < N; n++) {
    const row = <usize>(n * K) << 2;
    let inner: f32 = 0;
    for (let j = 0; j < K; j++) inner += load<f32>(dp + row + (<usize>j << 2)) * load<f32>(p + row + (<usize>j << 2));
    for (let j = 0; j < K; j++) {
      const o = row + (<usize>j << 2);
      store<f32>(dz + o, invT * load<f32>(p + o) * (load<f32>(dp + o) - inner));
    }
  }
}
