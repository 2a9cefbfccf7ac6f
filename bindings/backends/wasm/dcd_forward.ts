/**
 * The fused wasm DCD forward (spec §3):
 *   g = pool(x); (s, t, s2, φ, u, λ) = dynamic branch(g)                       [dcdBranchForward]
 *   zq = q(x); z1 = bn1(zq); w = Φ·z1 per pixel; z = bn2(w) + z1              [conv, batchNorm*, dcdPhiForward]
 *   y = λ ⊙ conv(x, W0): without a backward λ is folded into the conv's packed weights
 *       [conv2dForwardScaled]; with one the unscaled conv output c is kept (for ∂L/∂λ) and one
 *       scaling pass writes y [conv2dForward, dcdScaleForward]
 *   y += P·z, accumulated straight into y by the gemm (no separate sum pass)    [dcdProjectForward]
 * Buffers go to the cache when a backward will follow, else to scratch freed on return.
 */
import type { DcdDims, DcdForwardOptions, DcdForwardResult, DcdState } from '../../ops/dcd';
import { DCD_NAMES, checkDcdForward, dcdModuleNames, dcdOpName } from '../../ops/dcd';
import type { Tensor } from '../../tensor';
import type { WasmContext } from './context';
import { WasmDcdCache, type DcdSaved } from './dcd_cache';
import { dcdGeometry, type DcdGeometry } from './dcd_geometry';
import { PASS_FORWARD } from './exports';

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

export function dcdForwardWasm(ctx: WasmContext, d: DcdDims, state: DcdState, xArg: Tensor,
  options: DcdForwardOptions): DcdForwardResult {
  const op = dcdOpName(d);
  const yShape = checkDcdForward(d, state, xArg, options, ctx.token);
  const x = ctx.input(xArg, op, 'x');
  const training = options.training === true;
  const G = dcdGeometry(d, x.tensor.shape);
  const cache = options.needsBackward === false ? null
    : new WasmDcdCache(ctx.token, ctx.allocator, d, G, training, [...x.tensor.shape], yShape);
  const names = dcdModuleNames(d.kind);
  const k = (name: string) => ctx.kernel(name);
  const p = (name: string) => statePtr(ctx, state, name);
  try {
    const [y] = ctx.run(op, [yShape], ([yPtr], scratch) => {
      const buf = (name: DcdSaved, floats: number): number =>
        cache ? cache.keep(name, floats) : scratch.alloc(floats * 4);
      const { n, cout, hwOut, latent: L, squeeze: S } = G;

      if (cache) {
        const xKeep = cache.keep('x', x.tensor.size);
        new Float32Array(ctx.memory.buffer, xKeep, x.tensor.size).set(x.tensor.data);
      }
      // dynamic branch
      const g = buf('g', n * G.pooled);
      poolForward(ctx, d, G, x.ptr, g);
      const s = buf('s', n * S), t = buf('t', n * S), s2 = buf('s2', n * S);
      const phi = d.hasResidual ? buf('phi', n * G.mphi) : 0;
      const u = d.hasLambda ? buf('u', n * cout) : 0, lam = d.hasLambda ? buf('lam', n * cout) : 0;
      const branchWs = scratch.alloc(k('dcdBranchWorkspaceBytes')(n, G.pooled, S, G.mphi, cout) as number >>> 0);
      k('dcdBranchForward')(n, G.pooled, S, G.mphi, cout, g, p(DCD_NAMES.fc0), p(DCD_NAMES.se),
        d.hasResidual ? p(DCD_NAMES.phi) : 0, d.hasLambda ? p(DCD_NAMES.scale) : 0, s, t, s2, phi, u, lam, branchWs);

      // static path
      const sDesc = scratch.i32(G.staticDesc);
      const w0 = p(`${names.static}.weight`), b0 = p(`${names.static}.bias`);
      if (d.hasLambda && !cache) {
        // inference only: λ folded into the packed weights (conv2dForwardScaled), no pass of its own.
        // (The "~3× slower" once measured for it was wall-clock noise on a loaded machine: in CPU time it
        // equals conv2dForward, 8.43 vs 8.45 ms at 256→256 3×3 @14².)
        k('conv2dForwardScaled')(sDesc, x.ptr, w0, b0, lam, yPtr,
          scratch.alloc(k('conv2dForwardScaledWorkspaceBytes')(sDesc) as number >>> 0));
      } else {
        // A backward needs the unscaled c for ∂L/∂λ = Σ dy ⊙ c and y must also hold P·z, so c and y are
        // two buffers either way: the conv writes c, one pass (0.1 ms at batch 8) writes y = λ ⊙ c.
        const c = d.hasLambda ? buf('c', n * cout * hwOut) : yPtr;
        k('conv2dForward')(sDesc, x.ptr, w0, b0, c, scratch.alloc(k('conv2dWorkspaceBytes')(sDesc, PASS_FORWARD) as number >>> 0));
        if (d.hasLambda) k('dcdScaleForward')(n, cout, hwOut, lam, c, yPtr);
      }
      if (!d.hasResidual) return;

      // latent path
      const latentSize = n * L * hwOut;
      const qDesc = scratch.i32(G.qDesc);
      const zq = buf('zq', latentSize);
      k('conv2dForward')(qDesc, x.ptr, p(`${names.q}.weight`), 0, zq,
        scratch.alloc(k('conv2dWorkspaceBytes')(qDesc, PASS_FORWARD) as number >>> 0));
      const bn = (which: 1 | 2, f: 'weight' | 'bias' | 'running_mean' | 'running_var') => p(DCD_NAMES.bn(which, f));
      // inference keeps nothing: bn1 runs in place and z overwrites w
      const z1 = cache ? buf('z1', latentSize) : zq;
      const w = buf('w', latentSize);
      const z = cache ? buf('z', latentSize) : w;
      if (training) {
        const m1 = buf('mean1', L), i1 = buf('invstd1', L), m2 = buf('mean2', L), i2 = buf('invstd2', L);
        k('batchNormForwardTrain')(n, L, hwOut, zq, bn(1, 'weight'), bn(1, 'bias'), bn(1, 'running_mean'),
          bn(1, 'running_var'), BN_MOMENTUM, BN_EPS, 0, z1, m1, i1);
        k('dcdPhiForward')(n, G.blocks, G.lb, hwOut, phi, z1, w);
        k('batchNormForwardTrain')(n, L, hwOut, w, bn(2, 'weight'), bn(2, 'bias'), bn(2, 'running_mean'),
          bn(2, 'running_var'), BN_MOMENTUM, BN_EPS, z1, z, m2, i2);
      } else {
        k('batchNormForwardEval')(n, L, hwOut, zq, bn(1, 'weight'), bn(1, 'bias'), bn(1, 'running_mean'),
          bn(1, 'running_var'), BN_EPS, 0, z1);
        k('dcdPhiForward')(n, G.blocks, G.lb, hwOut, phi, z1, w);
        k('batchNormForwardEval')(n, L, hwOut, w, bn(2, 'weight'), bn(2, 'bias'), bn(2, 'running_mean'),
          bn(2, 'running_var'), BN_EPS, z1, z);
      }
      const projWs = scratch.alloc(k('dcdProjectWorkspaceBytes')(cout, L, G.blocks, hwOut) as number >>> 0);
      k('dcdProjectForward')(n, cout, L, G.blocks, hwOut, p(`${names.p}.weight`), z, yPtr, 1, projWs);
    });
    return { y: y as Tensor, cache };
  } catch (e) {
    cache?.dispose();
    throw e;
  }
}
