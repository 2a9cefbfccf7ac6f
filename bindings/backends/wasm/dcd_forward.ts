/**
 * The fused wasm DCD forward (spec §3):
 *   g = pool(x); (s, t, s2, φ, u, λ) = dynamic branch(g)                       [dcdBranchForward]
 *   zq = q(x); z1 = bn1(zq); w = Φ·z1 per pixel; z = bn2(w) + z1              [conv, batchNorm*, dcdPhiForward]
 *   (eval mode runs the static conv, q, bn1, Φ, bn2 and p sample by sample; train mode the convs on the
 *   whole batch, dcd_train_forward.ts)
 *   y = λ ⊙ conv(x, W0): one scaling pass while the conv output is in cache, in place without a
 *       backward; with one the unscaled c is kept for ∂L/∂λ [conv2dForward, dcdScaleForward]
 *   y += P·z, accumulated straight into y by the gemm (no separate sum pass)    [dcdProjectForward]
 * Inference may instead form each sample's kernel W(x) = ΛW0 + P·M·Q and run one conv
 * [dcdEffectiveWeight, conv2dForward] when that is cheaper (useEffectiveWeights); when it composes,
 * it runs all of the above in one kernel call [dcdEvalForward] (composedInferenceInOneCall).
 * Buffers go to the cache when a backward will follow, else to scratch freed on return; x itself is
 * not copied (the cache keeps a reference, see dcd_cache.ts).
 */
import type { DcdDims, DcdEvalStrategy, DcdForwardOptions, DcdForwardResult, DcdState } from '../../ops/dcd';
import { DCD_NAMES, checkDcdForward, checkDcdFusedOutput, dcdModuleNames, dcdOpName, type DcdFusedOutput } from '../../ops/dcd';
import { wasmExtent } from './conv2d';
import type { Tensor } from '../../tensor';
import type { Scratch, WasmContext } from './context';
import { WasmDcdCache, type DcdSaved } from './dcd_cache';
import { dcdGeometry, type DcdGeometry } from './dcd_geometry';
import { dcdTrainingConvs } from './dcd_train_forward';
import { PASS_FORWARD } from './exports';
import { f32Bits } from './f32_bits';

export const BN_MOMENTUM = 0.1;

export const BN_EPS = 1e-5;

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

/**
 * Inference: does forming each sample's kernel (dcdEffectiveWeight, then one conv) beat the composed
 * path? Costs in flop-equivalents per sample: forming pays one pass over W0 (read + write, ~16 per
 * weight, typically outside L1) and the rank-L update (2·Cout·L·Cin·kq/B); composing pays q and p
 * (2·L·HW·(Cin·kq + Cout)/B) and ~2 passes over y (λ, then p accumulating into y; ~8 per element).
 * This picks forming for 1×1 and narrow k×k layers (conv_dy 1×1 64→256 @56², conv_basic_dy 64 @56²,
 * DYModule 96→576 @14²) and composing for wide k×k ones (conv_dy 3×3 256→256 @14²: 2.4 MB of W0).
 */
export function useEffectiveWeights(d: DcdDims, G: DcdGeometry, strategy: DcdEvalStrategy): boolean {
  if (d.kind === 'DYCls' || strategy === 'composed') return false; // vectors: HW = 1, composing wins
  if (strategy === 'weights') return true;
  const kk = d.k * d.k, qkk = d.qk * d.qk, B = G.blocks, L = d.hasResidual ? G.latent : 0;
  const forming = 16 * G.cout * G.cin * kk + 2 * G.cout * L * G.cin * qkk / B;
  const composing = 2 * L * G.hwOut * (G.cin * qkk + G.cout) / B + 8 * (d.hasResidual ? 2 : 1) * G.cout * G.hwOut;
  return forming < composing;
}

/** bn1's or bn2's weight, bias, running_mean, running_var pointers (zeros for a layer without them). */
function batchNormPointers(ctx: WasmContext, d: DcdDims, state: DcdState, which: 1 | 2): number[] {
  return (['weight', 'bias', 'running_mean', 'running_var'] as const)
    .map((f) => d.hasResidual ? statePtr(ctx, state, DCD_NAMES.bn(which, f)) : 0);
}

/**
 * The composed inference forward as ONE kernel call (assembly/dcd/forward_eval.ts, whose header says
 * why and lays out the plan written here). Not with the threads build's exports, which leave it out:
 * there the pool splits the convs of the per-kernel path below.
 */
function composedInferenceInOneCall(ctx: WasmContext, d: DcdDims, G: DcdGeometry, state: DcdState,
  x: number, y: number, scratch: Scratch, fused: DcdFusedOutput): void {
  const names = dcdModuleNames(d.kind);
  const p = (name: string) => statePtr(ctx, state, name);
  const residual = d.hasResidual;
  const plan = scratch.i32([
    1, ...G.staticDesc.slice(1), 1, ...G.qDesc.slice(1), // one sample per conv call
    d.pool, G.squeeze, residual ? G.latent : 0, G.blocks,
    p(`${names.static}.weight`), p(`${names.static}.bias`),
    residual ? p(`${names.q}.weight`) : 0, residual ? p(`${names.p}.weight`) : 0,
    p(DCD_NAMES.fc0), p(DCD_NAMES.se), residual ? p(DCD_NAMES.phi) : 0, d.hasLambda ? p(DCD_NAMES.scale) : 0,
    ...batchNormPointers(ctx, d, state, 1), ...batchNormPointers(ctx, d, state, 2),
    fused.postBias ? ctx.ptrOf(fused.postBias) : 0, fused.residual ? ctx.ptrOf(fused.residual) : 0,
    f32Bits(fused.lo), f32Bits(fused.hi),
  ]);
  const ws = scratch.alloc(ctx.kernel('dcdEvalForwardWorkspaceBytes')(plan, G.n) as number >>> 0);
  ctx.kernel('dcdEvalForward')(plan, G.n, x, y, BN_EPS, ws);
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
  const effective = !cache && !training && useEffectiveWeights(d, G, options.evalStrategy ?? 'auto');
  try {
    // Returns true when it applied the fused output itself (the one-call kernel, per sample).
    const forwardInto = (yPtr: number, scratch: Scratch): boolean | void => {
      if (!cache && !training && !effective && typeof ctx.exports.dcdEvalForward === 'function') {
        composedInferenceInOneCall(ctx, d, G, state, x.ptr, yPtr, scratch, fused);
        return true;
      }
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
      // nothing is kept for backward). conv2dForwardScaled folds λ into the weights instead, but that forces
      // the GEMM to pack A, while the plain conv reads W0 in place (direct-A micro-kernel): measured
      // 2026-11-28, bench/run.mjs --suite dcd --clock cpu, conv_dy 3×3 256→256 @14² eval forward at batch 1,
      // the scaled conv made the layer 1.17× its static conv vs 1.05× with this pass. Folding λ into the
      // micro-kernel's output write (an epilogue) would remove the pass; see the notes of issue 4/5.
      // With a cache the unscaled c is needed for ∂L/∂λ = Σ dy ⊙ c, so c and y are two buffers.
      const sWs = scratch.alloc(k('conv2dWorkspaceBytes')(sDesc, PASS_FORWARD) as number >>> 0);
      const c = d.hasLambda && cache ? buf('c', n * cout * hwOut) : yPtr;
      const xStep = G.cin * G.hwIn * 4, yStep = cout * hwOut * 4, zStep = L * hwOut * 4;
      const bn = (which: 1 | 2, f: 'weight' | 'bias' | 'running_mean' | 'running_var') => p(DCD_NAMES.bn(which, f));

      if (effective) {
        // one conv per sample with W(x) = ΛW0 + P·M·Q formed first (assembly/dcd/effective.ts)
        const kk = d.k * d.k, qkk = d.qk * d.qk;
        const weff = scratch.alloc(cout * G.cin * kk * 4), beff = scratch.alloc(cout * 4);
        const effWs = scratch.alloc(k('dcdEffectiveWorkspaceBytes')(cout, G.cin, L, G.blocks, qkk) as number >>> 0);
        const residual = d.hasResidual;
        const batchNorms = [...batchNormPointers(ctx, d, state, 1), ...batchNormPointers(ctx, d, state, 2)];
        // The fused output goes into this conv: postBias joins the effective bias, the residual and the
        // clamp its output write (no pass over y afterwards: that pass was 5 % of a planned DCD-MobileNetV2).
        const fusedWs = fused.any ? scratch.alloc(k('conv2dForwardFusedWorkspaceBytes')(sDesc) as number >>> 0) : 0;
        for (let i = 0; i < n; i++) {
          k('dcdEffectiveWeight')(cout, G.cin, kk, qkk, L, G.blocks, d.hasLambda ? lam + i * cout * 4 : 0, w0, b0,
            residual ? p(`${names.q}.weight`) : 0, residual ? p(`${names.p}.weight`) : 0,
            residual ? phi + i * G.mphi * 4 : 0, ...batchNorms, BN_EPS, weff, beff, effWs);
          if (!fused.any) {
            k('conv2dForward')(sDesc, x.ptr + i * xStep, weff, beff, yPtr + i * yStep, sWs);
            continue;
          }
          if (fused.postBias) k('dcdAddInto')(cout, ctx.ptrOf(fused.postBias), beff);
          k('conv2dForwardFused')(sDesc, x.ptr + i * xStep, weff, beff, fused.residual ? ctx.ptrOf(fused.residual) + i * yStep : 0,
            yPtr + i * yStep, fusedWs, fused.lo, fused.hi);
        }
        return true;
      }

      const latentSize = n * L * hwOut;
      const qDesc = d.hasResidual ? one(G.qDesc) : 0;
      const qWs = d.hasResidual ? scratch.alloc(k('conv2dWorkspaceBytes')(qDesc, PASS_FORWARD) as number >>> 0) : 0;
      // inference keeps nothing: bn1 runs in place and z overwrites w
      const zq = d.hasResidual ? buf('zq', latentSize) : 0;
      const z1 = !d.hasResidual ? 0 : cache ? buf('z1', latentSize) : zq;
      const w = d.hasResidual ? buf('w', latentSize) : 0;
      const z = !d.hasResidual ? 0 : cache ? buf('z', latentSize) : w;
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
    const [made] = ctx.run(op, [fused.out ? null : yShape], ([newPtr], scratch) => {
      const yPtr = fused.out ? ctx.ptrOf(fused.out) : newPtr;
      if (!forwardInto(yPtr, scratch) && fused.any) {
        k('dcdOutputEpilogue')(G.n, G.cout, G.hwOut, yPtr, fused.postBias ? ctx.ptrOf(fused.postBias) : 0,
          fused.residual ? ctx.ptrOf(fused.residual) : 0, fused.lo, fused.hi);
      }
    });
    return { y: fused.out ?? (made as Tensor), cache };
  } catch (e) {
    cache?.dispose();
    throw e;
  }
}
