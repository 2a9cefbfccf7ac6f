/**
 * The inference forward of one DCD layer (eval mode, nothing kept for a backward) on the wasm kernels,
 * compiled once for an input shape: which path it takes, the i32 blocks its kernels read and where
 * each buffer sits in its workspace. dcdForward compiles one per call into scratch memory;
 * prepareDcdForward compiles one into blocks it owns, so its run() neither validates nor allocates.
 *
 * Paths (spec §3 for the math), useEffectiveWeights picks:
 *   'one-call' — the composed forward in one kernel call (assembly/dcd/forward_eval.ts), the fused
 *                output in the projection's epilogue; the threads builds split it (pool_exports.ts);
 *   'weights'  — each sample's kernel W(x) = ΛW0 + P·M·Q formed first (dcdEffectiveWeight), then one
 *                conv whose output write takes the fused output (postBias joins its bias).
 */
import type { DcdDims, DcdEvalStrategy } from '../../ops/dcd';
import { DCD_NAMES, dcdModuleNames } from '../../ops/dcd';
import type { WasmContext } from './context';
import type { DcdGeometry } from './dcd_geometry';
import { PASS_FORWARD } from './exports';
import { f32Bits } from './f32_bits';
import { align64 } from './parts';

export const BN_EPS = 1e-5;

/** Where a compiled forward finds the layer's tensors, and where it may keep its i32 blocks. */
export interface DcdEvalSources {
  /** Byte offset of a state tensor by name; 0 when the layer has no such tensor. */
  state(name: string): number;
  /** Offset of the fused output's bias (Cout; 0 = none), and the clamp (−Inf / +Inf = none). */
  postBias: number;
  lo: number;
  hi: number;
  /** A block holding these i32 values, alive as long as the compiled forward is used. */
  i32(values: readonly number[]): number;
  /**
   * W0 as conv2dPackWeights' panels for the one-call path (staticPanelBytes > 0), then state(W0) may
   * be 0; absent or 0: W0 plain.
   */
  packedStaticWeight?: number;
}

export type DcdEvalPath = 'one-call' | 'weights';

export interface DcdEvalProgram {
  readonly path: DcdEvalPath;
  /** Bytes of workspace run() needs (one block, 64-byte aligned). */
  readonly workspaceBytes: number;
  /** y = the layer's output for x, plus the fused output (residual: offset of y's shape, 0 = none). */
  run(x: number, y: number, residual: number, ws: number): void;
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


/** The plan word of assembly/dcd/forward_eval.ts that holds the residual (its header lays out the words). */
const RESIDUAL_WORD = 53;

/**
 * Bytes of W0's panels when a prepared layer should keep W0 packed instead of plain (0: keep it
 * plain): on the one-call path, where the static conv's GEMM would otherwise pack W0 on every call
 * and sample, in the builds that pack (conv2dPackedWeightsBytes > 0). The 'weights' path reads W0
 * plain to form each sample's kernel. `descriptor`: 64 bytes where the static conv's descriptor with
 * N = 1 is written (conv2dPackWeights reads the same one).
 */
export function staticPanelBytes(ctx: WasmContext, d: DcdDims, G: DcdGeometry, strategy: DcdEvalStrategy,
  descriptor: number): number {
  if (useEffectiveWeights(d, G, strategy) || typeof ctx.exports.conv2dPackedWeightsBytes !== 'function') return 0;
  new Int32Array(ctx.memory.buffer, descriptor, 16).set([1, ...G.staticDesc.slice(1)]);
  return (ctx.kernel('conv2dPackedWeightsBytes')(descriptor) as number) >>> 0;
}

export function compileDcdEval(ctx: WasmContext, d: DcdDims, G: DcdGeometry, src: DcdEvalSources,
  strategy: DcdEvalStrategy): DcdEvalProgram {
  const k = (name: string) => ctx.kernel(name);
  const names = dcdModuleNames(d.kind);
  const latent = d.hasResidual, L = latent ? G.latent : 0;
  const { n, cin, cout, hwOut, squeeze: S } = G;
  const kk = d.k * d.k, qkk = d.qk * d.qk;
  const w0 = src.state(`${names.static}.weight`), b0 = src.state(`${names.static}.bias`);
  const q = latent ? src.state(`${names.q}.weight`) : 0, P = latent ? src.state(`${names.p}.weight`) : 0;
  const branchWeights = [src.state(DCD_NAMES.fc0), src.state(DCD_NAMES.se), latent ? src.state(DCD_NAMES.phi) : 0,
    d.hasLambda ? src.state(DCD_NAMES.scale) : 0];
  // bn1's then bn2's weight, bias, running_mean, running_var (zeros for a layer without them)
  const bn = ([1, 2] as const).flatMap((which) => (['weight', 'bias', 'running_mean', 'running_var'] as const)
    .map((f) => latent ? src.state(DCD_NAMES.bn(which, f)) : 0));
  const { postBias, lo, hi } = src;
  const fused = postBias !== 0 || lo !== -Infinity || hi !== Infinity;
  const xStep = cin * G.hwIn * 4, yStep = cout * hwOut * 4;
  const weights = useEffectiveWeights(d, G, strategy);

  if (!weights) {
    const words = [
      1, ...G.staticDesc.slice(1), 1, ...G.qDesc.slice(1), // one sample per conv call
      d.pool, S, L, G.blocks, w0, b0, q, P, ...branchWeights, ...bn, postBias, 0, f32Bits(lo), f32Bits(hi),
      src.packedStaticWeight ?? 0,
    ];
    const plan = src.i32(words);
    const forward = k('dcdEvalForward');
    // The residual is the one word that changes between runs: written through a view kept until the
    // memory grows (a grown memory has a new buffer).
    let view = new Int32Array(ctx.memory.buffer, plan, words.length);
    return {
      path: 'one-call', workspaceBytes: (k('dcdEvalForwardWorkspaceBytes')(plan, n) as number) >>> 0,
      run(x, y, residual, ws) {
        if (view[RESIDUAL_WORD] !== residual) {
          if (view.buffer !== ctx.memory.buffer) view = new Int32Array(ctx.memory.buffer, plan, words.length);
          view[RESIDUAL_WORD] = residual;
        }
        forward(plan, n, x, y, BN_EPS, ws);
      },
    };
  }

  // The effective-weights path. Its workspace, carved into 64-aligned blocks: offsets now, pointers
  // (ws + offset) at run time.
  let bytes = 0;
  const block = (size: number): number => { const at = bytes; bytes += align64(size); return at; };
  const wsBytes = (name: string, ...args: number[]): number => block((k(name)(...args) as number) >>> 0);
  const g = block(n * G.pooled * 4), s = block(n * S * 4), t = block(n * S * 4), s2 = block(n * S * 4);
  const phi = block(n * G.mphi * 4), u = block(n * cout * 4), lam = block(n * cout * 4);
  const branchWs = wsBytes('dcdBranchWorkspaceBytes', n, G.pooled, S, G.mphi, cout);
  const sDesc = src.i32([1, ...G.staticDesc.slice(1)]);
  const pool = d.pool === 1 ? k('globalAvgPoolForward') : k('adaptiveAvgPoolForward'), branch = k('dcdBranchForward');
  const conv = k('conv2dForward'), sWs = wsBytes('conv2dWorkspaceBytes', sDesc, PASS_FORWARD);
  // W(x) = ΛW0 + P·M·Q per sample (assembly/dcd/effective.ts), then one conv whose output write takes the
  // fused output: postBias joins the effective bias, the residual and the clamp its write (no pass over y
  // afterwards: that pass was 5 % of a planned DCD-MobileNetV2). Without any, the plain conv.
  const weff = block(cout * cin * kk * 4), beff = block(cout * 4);
  const effWs = wsBytes('dcdEffectiveWorkspaceBytes', cout, cin, L, G.blocks, qkk);
  const fusedWs = wsBytes('conv2dForwardFusedWorkspaceBytes', sDesc);
  const [fc0, se, fcPhi, fcScale] = branchWeights; // explicit arguments below: no array spread per call
  const effective = k('dcdEffectiveWeight'), addInto = k('dcdAddInto'), convFused = k('conv2dForwardFused');
  const sample = (x: number, y: number, residual: number, ws: number, i: number): void => {
    effective(cout, cin, kk, qkk, L, G.blocks, d.hasLambda ? ws + lam + i * cout * 4 : 0, w0, b0, q, P,
      latent ? ws + phi + i * G.mphi * 4 : 0, bn[0], bn[1], bn[2], bn[3], bn[4], bn[5], bn[6], bn[7], BN_EPS,
      ws + weff, ws + beff, ws + effWs);
    if (!fused && !residual) return void conv(sDesc, x, ws + weff, ws + beff, y, ws + sWs);
    if (postBias) addInto(cout, postBias, ws + beff);
    convFused(sDesc, x, ws + weff, ws + beff, residual, y, ws + fusedWs, lo, hi);
  };
  return {
    path: 'weights', workspaceBytes: bytes,
    run(x, y, residual, ws) {
      if (d.pool === 1) pool(n, cin, G.h, G.w, x, ws + g);
      else pool(n, cin, G.h, G.w, 2, 2, x, ws + g);
      branch(n, G.pooled, S, G.mphi, cout, ws + g, fc0, se, fcPhi, fcScale, ws + s, ws + t, ws + s2, ws + phi, ws + u,
        ws + lam, ws + branchWs);
      for (let i = 0; i < n; i++) sample(x + i * xStep, y + i * yStep, residual ? residual + i * yStep : 0, ws, i);
    },
  };
}
