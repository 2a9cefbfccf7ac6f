/**
 * The fused wasm DCD forward (spec §3):
 *   g = pool(x); (s, t, s2, φ, u, λ) = dynamic branch(g)                       [dcdBranchForward]
 *   zq = q(x); z1 = bn1(zq); w = Φ·z1 per pixel; z = bn2(w) + z1              [conv, batchNorm*, dcdPhiForward]
 *   (eval mode runs the static conv, q, bn1, Φ, bn2 and p sample by sample; train mode the convs on the
 *   whole batch, dcd_train_forward.ts)
 *   y = λ ⊙ conv(x, W0): one scaling pass while the conv output is in cache, in place without a
 *       backward; with one the unscaled c is kept for ∂L/∂λ [conv2dForward, dcdScaleForward]
 *   y += P·z, accumulated straight into y by the gemm (no separate sum pass)    [dcdProjectForward]
 * Inference (eval mode, no backward to follow) is compiled by dcd_eval.ts into scratch and run: one
 * kernel call, or each sample's kernel W(x) = ΛW0 + P·M·Q formed first, or the kernels one by one.
 * With a backward to follow, buffers go to the cache; x itself is not copied (the cache keeps a
 * reference, see dcd_cache.ts).
 */
import type { DcdDims, DcdForwardOptions, DcdForwardResult, DcdState } from '../../ops/dcd';
import { DCD_NAMES, checkDcdForward, checkDcdFusedOutput, dcdModuleNames, dcdOpName } from '../../ops/dcd';
import { wasmExtent } from './conv2d';
import type { Tensor } from '../../tensor';
import type { Scratch, WasmContext } from './context';
import { WasmDcdCache, type DcdSaved } from './dcd_cache';
import { compileDcdEval, BN_EPS } from './dcd_eval';
import { dcdGeometry, type DcdGeometry } from './dcd_geometry';
import { dcdTrainingConvs } from './dcd_train_forward';
import { PASS_FORWARD } from './exports';

export { BN_EPS }; // dcd_backward.ts, dcd_unfused.ts

export const BN_MOMENTUM = 0.1;

/** Pointer of a state tensor by name, 0 when the layer has no such tensor. */
export function statePtr(ctx: WasmContext, state: DcdState, name: string): number {
  const t = state[name];
  return t === undefined ? 0 : ctx.ptrOf(t);
}

/** g = AdaptiveAvgPool(x) flattened (pool 1: (N, Cin); pool 2: (N, Cin·4), index c·4 + i·2 + j). */
export function poolForward(ctx: WasmContext, d: DcdDims, G: DcdGeometry, x: number, g: number): void {
  if (d.pool === 1) ctx.kernel('globalAvgPoolForward')(G.n, G.cin, G.h, G.w, x, g);
  else ctx.kernel('adaptiveAvgPoolForward')(G.n, G.cin, G.h, G.w, 2, 2, x, g);
}

export function dcdForwardWasm(ctx: WasmContext, d: DcdDims, state: DcdState, xArg: Tensor,
  options: DcdForwardOptions): DcdForwardResult {
  const op = dcdOpName(d);
  const yShape = checkDcdForward(d, state, xArg, options, ctx.token);
  const fused = checkDcdFusedOutput(d, state, xArg, yShape, options, ctx.token, wasmExtent(ctx));
  const x = ctx.input(xArg, op, 'x');
  const training = options.training === true;
  const G = dcdGeometry(d, x.tensor.shape);
  const cache = options.needsBackward === false ? null
    : new WasmDcdCache(ctx.token, ctx.allocator, d, G, training, x.tensor, yShape);
  const names = dcdModuleNames(d.kind);
  const k = (name: string) => ctx.kernel(name);
  const p = (name: string) => statePtr(ctx, state, name);
  try {
    if (!cache && !training) {
      const [made] = ctx.run(op, [fused.out ? null : yShape], ([newPtr], scratch) => {
        const program = compileDcdEval(ctx, d, G, {
          state: p, postBias: fused.postBias ? ctx.ptrOf(fused.postBias) : 0, lo: fused.lo, hi: fused.hi, i32: scratch.i32,
        }, options.evalStrategy ?? 'auto');
        program.run(x.ptr, fused.out ? ctx.ptrOf(fused.out) : newPtr, fused.residual ? ctx.ptrOf(fused.residual) : 0,
          scratch.alloc(program.workspaceBytes));
      });
      return { y: fused.out ?? (made as Tensor), cache };
    }
    // The training forward (its buffers kept for backward, or scratch without one), or an eval forward a
    // backward will follow; the fused output is inference-only (checkDcdFusedOutput), so there is none here.
    const forwardInto = (yPtr: number, scratch: Scratch): void => {
      const buf = (name: DcdSaved, floats: number): number =>
        cache ? cache.keep(name, floats) : scratch.alloc(floats * 4);
      const { n, cout, hwOut, latent: L, squeeze: S } = G;

      // dynamic branch
      const g = buf('g', n * G.pooled);
      poolForward(ctx, d, G, x.ptr, g);
      const s = buf('s', n * S), t = buf('t', n * S), s2 = buf('s2', n * S);
      const phi = d.hasResidual ? buf('phi', n * G.mphi) : 0;
      const u = d.hasLambda ? buf('u', n * cout) : 0, lam = d.hasLambda ? buf('lam', n * cout) : 0;
      const branchWs = scratch.alloc(k('dcdBranchWorkspaceBytes')(n, G.pooled, S, G.mphi, cout) as number >>> 0);
      k('dcdBranchForward')(n, G.pooled, S, G.mphi, cout, g, p(DCD_NAMES.fc0), p(DCD_NAMES.se),
        d.hasResidual ? p(DCD_NAMES.phi) : 0, d.hasLambda ? p(DCD_NAMES.scale) : 0, s, t, s2, phi, u, lam, branchWs);

      // Static path, then the latent path, sample by sample so x[i] and y[i] (≈ 200 KB each at 256 ch @14²)
      // are still in L2 when q reads x[i] and p accumulates into y[i] (measured ~1% of the layer at batch 8).
      // Train-mode BatchNorm needs the whole batch, so there only the static conv and q go per sample.
      const one = (desc: number[]) => scratch.i32([1, ...desc.slice(1)]);
      const sDesc = one(G.staticDesc);
      const w0 = p(`${names.static}.weight`), b0 = p(`${names.static}.bias`);
      // λ: the conv writes c[i] and one pass writes y[i] = λ ⊙ c[i] while c[i] is in cache (in place when
      // nothing is kept for backward, dcd_eval.ts). conv2dForwardScaled folds λ into the weights instead, but that forces
      // the GEMM to pack A, while the plain conv reads W0 in place (direct-A micro-kernel): measured
      // 2026-11-28, bench/run.mjs --suite dcd --clock cpu, conv_dy 3×3 256→256 @14² eval forward at batch 1,
      // the scaled conv made the layer 1.17× its static conv vs 1.05× with this pass. Folding λ into the
      // micro-kernel's output write (an epilogue) would remove the pass; see the notes of issue 4/5.
      // With a cache the unscaled c is needed for ∂L/∂λ = Σ dy ⊙ c, so c and y are two buffers.
      const sWs = scratch.alloc(k('conv2dWorkspaceBytes')(sDesc, PASS_FORWARD) as number >>> 0);
      const c = d.hasLambda && cache ? buf('c', n * cout * hwOut) : yPtr;
      const xStep = G.cin * G.hwIn * 4, yStep = cout * hwOut * 4, zStep = L * hwOut * 4;
      const bn = (which: 1 | 2, f: 'weight' | 'bias' | 'running_mean' | 'running_var') => p(DCD_NAMES.bn(which, f));

      const latentSize = n * L * hwOut;
      const qDesc = d.hasResidual ? one(G.qDesc) : 0;
      const qWs = d.hasResidual ? scratch.alloc(k('conv2dWorkspaceBytes')(qDesc, PASS_FORWARD) as number >>> 0) : 0;
      const zq = d.hasResidual ? buf('zq', latentSize) : 0, z1 = d.hasResidual ? buf('z1', latentSize) : 0;
      const w = d.hasResidual ? buf('w', latentSize) : 0, z = d.hasResidual ? buf('z', latentSize) : 0;
      const projWs = d.hasResidual
        ? scratch.alloc(k('dcdProjectWorkspaceBytes')(cout, L, G.blocks, hwOut) as number >>> 0) : 0;
      const eval1 = (which: 1 | 2, samples: number, src: number, res: number, dst: number) =>
        k('batchNormForwardEval')(samples, L, hwOut, src, bn(which, 'weight'), bn(which, 'bias'),
          bn(which, 'running_mean'), bn(which, 'running_var'), BN_EPS, res, dst);

      if (training) {
        dcdTrainingConvs(ctx, G, scratch, { x: x.ptr, w0, b0, c, y: yPtr, lam: d.hasLambda ? lam : 0,
          q: d.hasResidual ? p(`${names.q}.weight`) : 0, zq });
      } else for (let i = 0; i < n; i++) {
        const xi = x.ptr + i * xStep, yi = yPtr + i * yStep, ci = c + i * yStep;
        k('conv2dForward')(sDesc, xi, w0, b0, ci, sWs);
        if (d.hasLambda) k('dcdScaleForward')(1, cout, hwOut, lam + i * cout * 4, ci, yi);
        if (!d.hasResidual) continue;
        const o = i * zStep;
        k('conv2dForward')(qDesc, xi, p(`${names.q}.weight`), 0, zq + o, qWs);
        eval1(1, 1, zq + o, 0, z1 + o);
        k('dcdPhiForward')(1, G.blocks, G.lb, hwOut, phi + i * G.mphi * 4, z1 + o, w + o);
        eval1(2, 1, w + o, z1 + o, z + o);
        k('dcdProjectForward')(1, cout, L, G.blocks, hwOut, p(`${names.p}.weight`), z + o, yi, 1, projWs);
      }
      if (!d.hasResidual || !training) return;

      const m1 = buf('mean1', L), i1 = buf('invstd1', L), m2 = buf('mean2', L), i2 = buf('invstd2', L);
      k('batchNormForwardTrain')(n, L, hwOut, zq, bn(1, 'weight'), bn(1, 'bias'), bn(1, 'running_mean'),
        bn(1, 'running_var'), options.momentum ?? BN_MOMENTUM, BN_EPS, 0, z1, m1, i1);
      k('dcdPhiForward')(n, G.blocks, G.lb, hwOut, phi, z1, w);
      k('batchNormForwardTrain')(n, L, hwOut, w, bn(2, 'weight'), bn(2, 'bias'), bn(2, 'running_mean'),
        bn(2, 'running_var'), options.momentum ?? BN_MOMENTUM, BN_EPS, z1, z, m2, i2);
      k('dcdProjectForward')(n, cout, L, G.blocks, hwOut, p(`${names.p}.weight`), z, yPtr, 1, projWs);
    };
    const [made] = ctx.run(op, [yShape], ([yPtr], scratch) => forwardInto(yPtr, scratch));
    return { y: made as Tensor, cache };
  } catch (e) {
    cache?.dispose();
    throw e;
  }
}
