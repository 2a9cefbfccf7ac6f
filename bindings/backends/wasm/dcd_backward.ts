/**
 * The wasm DCD backward, the forward of dcd_forward.ts run in reverse:
 *   static:   dλ = Σ_pixels dy ⊙ c, dc = λ ⊙ dy → dx (conv2dBackwardData, which runs a stride-1 conv
 *             as the forward conv of the flipped weights where that is faster), dW0 (+ db for DYCls)
 *   residual: dz = Pᵀ·dy, dP;  dw, dbn2 = bn2'(dz);  dz1 = dz + Φᵀ·dw, dΦ;  dzq, dbn1 = bn1'(dz1);
 *             dx += qᵀ(dzq), dQ
 *   branch:   (dφ, dλ) → dg and the four Linear weights;  dx += pool'(dg)
 * The two `dx +=` are the kernels' accumulate flags: each adds in its own write, with no scratch copy of
 * dx and no add pass over it (the DCD CNN's training step −1.8 %, 509 → 499 ms, same-process A/B).
 * Train-mode BatchNorm backward goes through the batch statistics; eval mode uses the running ones.
 */
import { BackendError } from '../../errors';
import type { DcdCache, DcdDims, DcdGrads, DcdState } from '../../ops/dcd';
import { DCD_NAMES, checkDcdBackward, dcdModuleNames, dcdOpName, dcdTensorSpecs } from '../../ops/dcd';
import type { Tensor } from '../../tensor';
import type { WasmContext } from './context';
import { WasmDcdCache } from './dcd_cache';
import { BN_EPS, statePtr } from './dcd_forward';
import { PASS_BACKWARD_DATA, PASS_BACKWARD_WEIGHT } from './exports';

function expectCache(ctx: WasmContext, d: DcdDims, cache: DcdCache): WasmDcdCache {
  const op = dcdOpName(d);
  if (!(cache instanceof WasmDcdCache) || cache.token !== ctx.token) {
    throw new BackendError(`${op}: cache must come from dcdForward of this wasm backend`);
  }
  if (cache.isDisposed) throw new BackendError(`${op}: the forward cache was used after dispose()`);
  if (JSON.stringify(cache.dims) !== JSON.stringify(d)) {
    throw new BackendError(`${op}: cache comes from a forward of a different layer configuration`);
  }
  return cache;
}

export function dcdBackwardWasm(ctx: WasmContext, d: DcdDims, state: DcdState, cacheArg: DcdCache, dyArg: Tensor): DcdGrads {
  const op = dcdOpName(d);
  const cache = expectCache(ctx, d, cacheArg);
  checkDcdBackward(d, state, cache.yShape, dyArg, ctx.token);
  const dy = ctx.input(dyArg, op, 'dy');
  const xPtr = ctx.input(cache.input(op), op, 'x (kept by the forward)').ptr;
  const G = cache.geometry;
  const names = dcdModuleNames(d.kind);
  const k = (name: string) => ctx.kernel(name);
  const p = (name: string) => statePtr(ctx, state, name);
  const c = (name: Parameters<WasmDcdCache['ptr']>[0]) => cache.ptr(name);
  const params = dcdTensorSpecs(d).filter((s) => s.role === 'parameter');
  const outputs = ctx.run(op, [cache.xShape, ...params.map((s) => s.shape)], ([dx, ...gradPtrs], scratch) => {
    const grad = (name: string): number => gradPtrs[params.findIndex((s) => s.name === name)] ?? 0;
    const { n, cout, hwOut, cin, latent: L, squeeze: S } = G;
    const x = xPtr;
    const convWs = (desc: number, pass: number) => scratch.alloc(k('conv2dWorkspaceBytes')(desc, pass) as number >>> 0);

    // dx (=, or += when accumulate) conv_transpose(dy, w); the kernel picks the flipped forward conv or
    // the column path itself
    const backwardData = (descPtr: number, dyPtr: number, w: number, accumulate: number) => {
      k('conv2dBackwardData')(descPtr, dyPtr, w, dx, accumulate, convWs(descPtr, PASS_BACKWARD_DATA));
    };

    // static path
    const sDesc = scratch.i32(G.staticDesc);
    const dlam = d.hasLambda ? scratch.alloc(n * cout * 4) : 0;
    let dc = dy.ptr;
    if (d.hasLambda) {
      dc = scratch.alloc(n * cout * hwOut * 4);
      k('dcdScaleBackward')(n, cout, hwOut, c('lam'), c('c'), dy.ptr, dlam, dc);
    }
    backwardData(sDesc, dc, p(`${names.static}.weight`), 0);
    k('conv2dBackwardWeight')(sDesc, x, dc, grad(`${names.static}.weight`), grad(`${names.static}.bias`),
      convWs(sDesc, PASS_BACKWARD_WEIGHT));

    // dynamic residual
    const dphi = d.hasResidual ? scratch.alloc(n * G.mphi * 4) : 0;
    if (d.hasResidual) {
      const latentSize = n * L * hwOut;
      const dz = scratch.alloc(latentSize * 4), dw = scratch.alloc(latentSize * 4), dzq = scratch.alloc(latentSize * 4);
      const projWs = scratch.alloc(k('dcdProjectWorkspaceBytes')(cout, L, G.blocks, hwOut) as number >>> 0);
      k('dcdProjectBackward')(n, cout, L, G.blocks, hwOut, p(`${names.p}.weight`), c('z'), dy.ptr, dz, grad(`${names.p}.weight`), projWs);
      const bn = (which: 1 | 2, f: 'weight' | 'running_mean' | 'running_var') => p(DCD_NAMES.bn(which, f));
      const dbn = (which: 1 | 2, f: 'weight' | 'bias') => grad(DCD_NAMES.bn(which, f));
      if (cache.training) {
        k('batchNormBackwardTrain')(n, L, hwOut, c('w'), dz, bn(2, 'weight'), c('mean2'), c('invstd2'), dw, dbn(2, 'weight'), dbn(2, 'bias'));
      } else {
        k('batchNormBackwardEval')(n, L, hwOut, c('w'), dz, bn(2, 'weight'), bn(2, 'running_mean'), bn(2, 'running_var'),
          BN_EPS, dw, dbn(2, 'weight'), dbn(2, 'bias'));
      }
      // the identity already put dz into dz1; Φᵀ·dw is added on top
      k('dcdPhiBackward')(n, G.blocks, G.lb, hwOut, c('phi'), c('z1'), dw, dz, dphi);
      if (cache.training) {
        k('batchNormBackwardTrain')(n, L, hwOut, c('zq'), dz, bn(1, 'weight'), c('mean1'), c('invstd1'), dzq, dbn(1, 'weight'), dbn(1, 'bias'));
      } else {
        k('batchNormBackwardEval')(n, L, hwOut, c('zq'), dz, bn(1, 'weight'), bn(1, 'running_mean'), bn(1, 'running_var'),
          BN_EPS, dzq, dbn(1, 'weight'), dbn(1, 'bias'));
      }
      const qDesc = scratch.i32(G.qDesc);
      backwardData(qDesc, dzq, p(`${names.q}.weight`), 1);
      k('conv2dBackwardWeight')(qDesc, x, dzq, grad(`${names.q}.weight`), 0, convWs(qDesc, PASS_BACKWARD_WEIGHT));
    }

    // dynamic branch, then through the pooling into dx
    const dg = scratch.alloc(n * G.pooled * 4);
    const branchWs = scratch.alloc(k('dcdBranchWorkspaceBytes')(n, G.pooled, S, G.mphi, cout) as number >>> 0);
    k('dcdBranchBackward')(n, G.pooled, S, G.mphi, cout, c('g'), p(DCD_NAMES.fc0), p(DCD_NAMES.se),
      p(DCD_NAMES.phi), p(DCD_NAMES.scale), c('s'), c('t'), c('s2'), c('u'), dphi, dlam,
      dg, grad(DCD_NAMES.fc0), grad(DCD_NAMES.se), grad(DCD_NAMES.phi), grad(DCD_NAMES.scale), branchWs);
    if (d.pool === 1) k('globalAvgPoolBackward')(n, cin, G.h, G.w, dg, dx, 1);
    else k('adaptiveAvgPoolBackward')(n, cin, G.h, G.w, 2, 2, dg, dx, 1);
  });
  const [dx, ...grads] = outputs as Tensor[];
  const result: Record<string, Tensor> = {};
  params.forEach((s, i) => { result[s.name] = grads[i]; });
  return { dx, params: result };
}
