// BatchNorm over (N, C, S): train (batch stats, biased var; running stats with momentum and the
// unbiased var), eval, residual add, and both backwards, against plain f64 formulas.
import {
  batchNormForwardTrain, batchNormForwardEval, batchNormBackwardTrain, batchNormBackwardEval,
} from "../../assembly/nn/batchnorm";

function ptr(a: StaticArray<f32>): usize {
  return changetype<usize>(a);
}
function filled(n: i32, seed: i32): StaticArray<f32> {
  const a = new StaticArray<f32>(n);
  for (let i = 0; i < n; i++) a[i] = <f32>Math.sin(<f64>(i * 7 + seed * 13) * 0.37) * 2 + <f32>(seed % 3);
  return a;
}
// N=2, C=3, S=5: S not a multiple of 4 exercises the scalar tails
const N = 2, C = 3, S = 5, M = N * S;
const idx = (n: i32, c: i32, s: i32): i32 => (n * C + c) * S + s;

function channelMean(x: StaticArray<f32>, c: i32): f64 {
  let m: f64 = 0;
  for (let n = 0; n < N; n++) for (let s = 0; s < S; s++) m += x[idx(n, c, s)];
  return m / M;
}
function channelVar(x: StaticArray<f32>, c: i32, mean: f64): f64 {
  let v: f64 = 0;
  for (let n = 0; n < N; n++) for (let s = 0; s < S; s++) v += (x[idx(n, c, s)] - mean) * (x[idx(n, c, s)] - mean);
  return v / M;
}

describe("batchNorm train", () => {
  it("normalises with batch stats, adds the residual and updates running stats", () => {
    const x = filled(N * C * S, 1), res = filled(N * C * S, 2), gamma = filled(C, 3), beta = filled(C, 4);
    const rm = filled(C, 5), rv = filled(C, 6);
    for (let c = 0; c < C; c++) rv[c] = Mathf.abs(rv[c]) + 0.5;
    const rm0 = filled(C, 5), rv0 = new StaticArray<f32>(C);
    for (let c = 0; c < C; c++) rv0[c] = rv[c];
    const y = new StaticArray<f32>(N * C * S), mean = new StaticArray<f32>(C), invstd = new StaticArray<f32>(C);
    batchNormForwardTrain(N, C, S, ptr(x), ptr(gamma), ptr(beta), ptr(rm), ptr(rv), 0.1, 1e-5, ptr(res), ptr(y), ptr(mean), ptr(invstd));
    for (let c = 0; c < C; c++) {
      const m = channelMean(x, c), v = channelVar(x, c, m);
      expect(<f64>mean[c]).toBeCloseTo(m, 5);
      expect(<f64>invstd[c]).toBeCloseTo(1 / Math.sqrt(v + 1e-5), 4);
      expect(<f64>rm[c]).toBeCloseTo(0.9 * rm0[c] + 0.1 * m, 5);
      expect(<f64>rv[c]).toBeCloseTo(0.9 * rv0[c] + 0.1 * v * M / (M - 1), 5);
      for (let n = 0; n < N; n++) for (let s = 0; s < S; s++) {
        const want = (x[idx(n, c, s)] - m) / Math.sqrt(v + 1e-5) * gamma[c] + beta[c] + res[idx(n, c, s)];
        expect(<f64>y[idx(n, c, s)]).toBeCloseTo(want, 4);
      }
    }
  });

  it("backward goes through the batch statistics", () => {
    const x = filled(N * C * S, 7), dy = filled(N * C * S, 8), gamma = filled(C, 9);
    const y = new StaticArray<f32>(N * C * S), mean = new StaticArray<f32>(C), invstd = new StaticArray<f32>(C);
    batchNormForwardTrain(N, C, S, ptr(x), ptr(gamma), 0, 0, 0, 0.1, 1e-5, 0, ptr(y), ptr(mean), ptr(invstd));
    const dx = new StaticArray<f32>(N * C * S), dg = new StaticArray<f32>(C), db = new StaticArray<f32>(C);
    batchNormBackwardTrain(N, C, S, ptr(x), ptr(dy), ptr(gamma), ptr(mean), ptr(invstd), ptr(dx), ptr(dg), ptr(db));
    for (let c = 0; c < C; c++) {
      const m = channelMean(x, c), is = 1 / Math.sqrt(channelVar(x, c, m) + 1e-5);
      let sdy: f64 = 0, sdyx: f64 = 0;
      for (let n = 0; n < N; n++) for (let s = 0; s < S; s++) {
        sdy += dy[idx(n, c, s)];
        sdyx += dy[idx(n, c, s)] * (x[idx(n, c, s)] - m) * is;
      }
      expect(<f64>db[c]).toBeCloseTo(sdy, 4);
      expect(<f64>dg[c]).toBeCloseTo(sdyx, 4);
      for (let n = 0; n < N; n++) for (let s = 0; s < S; s++) {
        const xh = (x[idx(n, c, s)] - m) * is;
        const want = gamma[c] * is / <f64>M * (<f64>M * dy[idx(n, c, s)] - sdy - xh * sdyx);
        expect(<f64>dx[idx(n, c, s)]).toBeCloseTo(want, 4);
      }
    }
  });
});

describe("batchNorm eval", () => {
  it("uses the running statistics forward and backward", () => {
    const x = filled(N * C * S, 11), dy = filled(N * C * S, 12), gamma = filled(C, 13), beta = filled(C, 14);
    const rm = filled(C, 15), rv = filled(C, 16);
    for (let c = 0; c < C; c++) rv[c] = Mathf.abs(rv[c]) + 0.5;
    const y = new StaticArray<f32>(N * C * S), dx = new StaticArray<f32>(N * C * S);
    const dg = new StaticArray<f32>(C), db = new StaticArray<f32>(C);
    batchNormForwardEval(N, C, S, ptr(x), ptr(gamma), ptr(beta), ptr(rm), ptr(rv), 1e-5, 0, ptr(y));
    batchNormBackwardEval(N, C, S, ptr(x), ptr(dy), ptr(gamma), ptr(rm), ptr(rv), 1e-5, ptr(dx), ptr(dg), ptr(db));
    for (let c = 0; c < C; c++) {
      const is = 1 / Math.sqrt(<f64>rv[c] + 1e-5);
      let sdy: f64 = 0, sdyx: f64 = 0;
      for (let n = 0; n < N; n++) for (let s = 0; s < S; s++) {
        const i = idx(n, c, s);
        expect(<f64>y[i]).toBeCloseTo((x[i] - rm[c]) * is * gamma[c] + beta[c], 4);
        expect(<f64>dx[i]).toBeCloseTo(dy[i] * gamma[c] * is, 4);
        sdy += dy[i];
        sdyx += dy[i] * (x[i] - rm[c]) * is;
      }
      expect(<f64>db[c]).toBeCloseTo(sdy, 4);
      expect(<f64>dg[c]).toBeCloseTo(sdyx, 4);
    }
  });
});
