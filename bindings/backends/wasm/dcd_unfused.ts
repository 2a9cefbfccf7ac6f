/**
 * The same DCD forward composed from this library's generic primitives, one full pass and one new
 * buffer per step — the baseline of the benchmark's fused-vs-unfused rows (not used by layers):
 *   c = conv(x, W0); r = λ ⊙ c (own pass); zq = q(x); z1 = bn1(zq); w = Φ·z1 (one sgemm per sample
 *   and block); b2 = bn2(w); z = b2 + z1 (own pass); y = p(z) (grouped 1×1 conv2dForward); y += r (own pass).
 * The dynamic branch (O(N·Cin·S), negligible) uses the same kernel as the fused path.
 * Forward only, no cache; same results as dcdForward up to summation order.
 * Not a Backend method: only the benchmark calls it, so an app's bundle leaves it out.
 */
import type { DcdDims, DcdForwardOptions, DcdState } from '../../ops/dcd';
import { DCD_NAMES, checkDcdForward, dcdModuleNames, dcdOpName } from '../../ops/dcd';
import { Tensor } from '../../tensor';
import { BackendError } from '../../errors';
import { expectTensor } from '../../ops/checks';
import { wasmContextOf, type WasmContext } from './context';
import { BN_EPS, BN_MOMENTUM, poolForward, statePtr } from './dcd_forward';
import { dcdGeometry } from './dcd_geometry';
import { PASS_FORWARD } from './exports';

/**
 * The unfused DCD forward on a wasm backend: the baseline bench/cases/dcd.mjs times the fused
 * `m.dcdForward` against (same arguments, returns y only). BackendError for a tensor of the js backend.
 */
export function dcdForwardUnfused(dims: DcdDims, state: DcdState, x: Tensor, options: DcdForwardOptions): Tensor {
  const op = 'dcdForwardUnfused';
  const ctx = Tensor.isTensor(x) && !x.isDisposed ? wasmContextOf(x) : null;
  if (!ctx) {
    if (!Tensor.isTensor(x) || x.isDisposed) expectTensor(x, op, 'x', {}); // the usual DTypeError / DisposedTensorError
    throw new BackendError(`${op}: x must be a tensor of a wasm backend (the js backend has no unfused path)`);
  }
  return dcdForwardUnfusedWasm(ctx, dims, state, x, options);
}

function dcdForwardUnfusedWasm(ctx: WasmContext, d: DcdDims, state: DcdState, xArg: Tensor,
  options: DcdForwardOptions): Tensor {
  const op = `${dcdOpName(d)} unfused`;
  const yShape = checkDcdForward(d, state, xArg, options, ctx.token);
  const x = ctx.input(xArg, op, 'x');
  const G = dcdGeometry(d, x.tensor.shape);
  const names = dcdModuleNames(d.kind);
  const k = (name: string) => ctx.kernel(name);
  const p = (name: string) => statePtr(ctx, state, name);
  const [y] = ctx.run(op, [yShape], ([yPtr], scratch) => {
    const f32 = (count: number) => scratch.alloc(count * 4);
    const { n, cout, hwOut, latent: L, squeeze: S } = G;
    const outSize = n * cout * hwOut, latentSize = n * L * hwOut;
    const conv = (desc: number[], src: number, w: number, b: number, dst: number) => {
      const dp = scratch.i32(desc);
      k('conv2dForward')(dp, src, w, b, dst, scratch.alloc(k('conv2dWorkspaceBytes')(dp, PASS_FORWARD) as number >>> 0));
    };

    const g = f32(n * G.pooled);
    poolForward(ctx, d, G, x.ptr, g);
    const phi = f32(n * G.mphi), u = f32(n * cout), lam = f32(n * cout);
    k('dcdBranchForward')(n, G.pooled, S, G.mphi, cout, g, p(DCD_NAMES.fc0), p(DCD_NAMES.se),
      d.hasResidual ? p(DCD_NAMES.phi) : 0, d.hasLambda ? p(DCD_NAMES.scale) : 0,
      f32(n * S), f32(n * S), f32(n * S), phi, u, lam,
      scratch.alloc(k('dcdBranchWorkspaceBytes')(n, G.pooled, S, G.mphi, cout) as number >>> 0));

    const c = f32(outSize);
    conv(G.staticDesc, x.ptr, p(`${names.static}.weight`), p(`${names.static}.bias`), c);
    if (!d.hasResidual) { // Λ-only: y = λ ⊙ c
      k('dcdScaleForward')(n, cout, hwOut, lam, c, yPtr);
      return;
    }
    let r = c;
    if (d.hasLambda) {
      r = f32(outSize);
      k('dcdScaleForward')(n, cout, hwOut, lam, c, r);
    }
    const bn = (which: 1 | 2, f: 'weight' | 'bias' | 'running_mean' | 'running_var') => p(DCD_NAMES.bn(which, f));
    const batchNorm = (which: 1 | 2, src: number, dst: number) => options.training
      ? k('batchNormForwardTrain')(n, L, hwOut, src, bn(which, 'weight'), bn(which, 'bias'), bn(which, 'running_mean'),
        bn(which, 'running_var'), options.momentum ?? BN_MOMENTUM, BN_EPS, 0, dst, 0, 0)
      : k('batchNormForwardEval')(n, L, hwOut, src, bn(which, 'weight'), bn(which, 'bias'), bn(which, 'running_mean'),
        bn(which, 'running_var'), BN_EPS, 0, dst);
    const zq = f32(latentSize), z1 = f32(latentSize), w = f32(latentSize), b2 = f32(latentSize);
    conv(G.qDesc, x.ptr, p(`${names.q}.weight`), 0, zq);
    batchNorm(1, zq, z1);
    const lb = G.lb, gemmWs = scratch.alloc(k('sgemmWorkspaceBytes')(lb, hwOut, lb) as number >>> 0);
    for (let s = 0; s < n; s++) {
      for (let b = 0; b < G.blocks; b++) {
        const rows = (s * L + b * lb) * hwOut * 4;
        k('sgemm')(0, 0, lb, hwOut, lb, phi + (s * G.blocks + b) * lb * lb * 4, lb, z1 + rows, hwOut, w + rows, hwOut, 0, gemmWs);
      }
    }
    batchNorm(2, w, b2);
    k('dcdAddInto')(latentSize, z1, b2);
    conv([n, L, G.oh, G.ow, cout, 1, 1, 1, 1, 0, 0, 1, 1, G.blocks, G.oh, G.ow], b2, p(`${names.p}.weight`), 0, yPtr);
    k('dcdAddInto')(outSize, r, yPtr);
  });
  return y as Tensor;
}
