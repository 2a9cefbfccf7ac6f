/**
 * Threaded kernels behind the ordinary kernel ABI: wraps the threads build's exports so the op
 * files (conv2d.ts, linear.ts, and the DCD ops that reuse those kernels) run split across the
 * ThreadPool without knowing it.
 *   xWorkspaceBytes(…) → threads × (64 + the one-thread size, 64-aligned): one slice per thread
 *                        (a part kernel's ws starts with 64 bytes of its own scratch: PART_SCRATCH).
 *   conv2dForward / conv2dBackwardData / conv2dBackwardWeight / depthwiseConv2dBackward /
 *   linearForward / linearBackward
 *     → pool.run(the matching *Part kernel), when the op is big enough to pay for the hand-off.
 *     conv2dBackwardWeight of few input channels (conv2dBackwardWeightSplitsSamples) → pool.run(
 *     conv2dBackwardWeightSamplesPart) + conv2dBackwardWeightReduce; its conv2dWorkspaceBytes(p, 2)
 *     adds (parts − 1) partial dW after the threads' slices.
 *   maxPool2dForward(p, x, y), globalAvgPoolForward(N, C, H, W, x, y), adaptiveAvgPoolForward(…)
 *     → the matching *Part kernel (planes; these ops have no workspace).
 *   dcdEffectiveWeight(…, eps, weff, beff, ws) → dcdEffectiveWeightPart (output channels; eps as f32 bits).
 *   dcdEvalForward(plan, N, x, y, eps, ws) → dcdEvalForwardPart (the DCD layer's dynamic parts beside
 *     its static conv's parts), then dcdEvalForwardFinishPart (λ and the projection, by output
 *     channels) or dcdEvalForwardFinish on the calling thread.
 *   conv2dForwardFused(p, x, w, b, residual, y, ws, lo, hi) → conv2dForwardFusedPart, whose lo / hi
 *     are f32 bit patterns (the control block holds i32 arguments only); conv2dForwardPacked (the
 *     same arguments, pre-packed weights) → conv2dForwardPackedPart.
 * Contract (kept by every caller): the workspace passed to a kernel was sized by the matching
 * wrapped *WorkspaceBytes call.
 */
import type { ThreadPool } from '../../runtime/threads/pool';
import { f32Bits } from './f32_bits';
import { PART_SCRATCH, PARTS_PER_THREAD, align64, convFlops as convFlopsOf, wordReader } from './parts';
import type { PartKernel } from '../../runtime/threads/control';
import type { KernelExports } from './exports';
import { threadedTrainingExports } from './pool_exports_train';

type Fn = (...args: number[]) => number;

/** assembly/dcd/forward_eval.ts LATENT: the word of a DCD eval plan holding L. */
const DCD_LATENT = 34;

export interface ThreadedKernelOptions {
  /** Ops below this many flops run on the calling thread alone. */
  minFlops: number;
}

export function threadedExports(base: KernelExports, pool: ThreadPool, options: ThreadedKernelOptions): KernelExports {
  const memory = base.memory;
  const fn = (name: string): Fn => base[name] as Fn;
  const word = wordReader(memory);
  const convFlops = (p: number): number => convFlopsOf(word, p);

  // One thread's workspace, and whether threads × that still fits a usize (else: one thread).
  const slice = (bytes: number): number => PART_SCRATCH + align64(bytes >>> 0);
  const fits = (one: number): boolean => one * pool.threads < 2 ** 31;
  const parallel = (flops: number, one: number): boolean =>
    pool.workers > 0 && flops >= options.minFlops && fits(one);
  const parts = (): number => pool.threads * PARTS_PER_THREAD;

  const wrapSize = (name: string) => (...args: number[]): number => {
    const one = slice(fn(name)(...args));
    return fits(one) ? one * pool.threads : one;
  };

  /** kernel(...args, ws) → pool.run(part, args, …) or the one-thread kernel. */
  const wrapKernel = (name: string, part: PartKernel, flops: (args: number[]) => number, size: (args: number[]) => number) =>
    (...call: number[]): void => {
      const args = call.slice(0, -1);
      const ws = call[call.length - 1];
      const one = slice(size(args));
      if (parallel(flops(args), one)) pool.run(part, args, parts(), ws, one);
      else fn(name)(...call);
    };

  const convSize = (pass: number) => (a: number[]) => fn('conv2dWorkspaceBytes')(a[0], pass);
  const fusedForward = (name: string, part: PartKernel) =>
    (p: number, x: number, w: number, b: number, r: number, y: number, ws: number, lo: number, hi: number): void => {
      const one = slice(fn('conv2dForwardFusedWorkspaceBytes')(p));
      if (parallel(convFlops(p), one)) pool.run(part, [p, x, w, b, r, y, f32Bits(lo), f32Bits(hi)], parts(), ws, one);
      else fn(name)(p, x, w, b, r, y, ws, lo, hi);
    };
  const linearSize = (a: number[]) => fn('linearWorkspaceBytes')(a[0], a[1], a[2]);

  // dW of a conv whose input channels give the threads too few ranges (the stem's Cin = 1): parts split
  // the samples, part j ≥ 1 into partial j − 1 placed after the threads' slices, then the partials are
  // added in part order on this thread (a small dW: K × Cin/G·KH·KW). Null: the channel split.
  const weightBySamples = (p: number): { one: number; partials: number } | null => {
    if (typeof base.conv2dBackwardWeightSamplesPart !== 'function' || !fn('conv2dBackwardWeightSplitsSamples')(p, parts())) return null;
    const one = slice(fn('conv2dWorkspaceBytes')(p, 2));
    const partials = (parts() - 1) * (fn('conv2dBackwardWeightPartialBytes')(p) >>> 0);
    return one * pool.threads + partials < 2 ** 31 ? { one, partials } : null;
  };
  const convWorkspaceBytes = (p: number, pass: number): number => {
    const bySamples = pass === 2 ? weightBySamples(p) : null;
    return bySamples ? bySamples.one * pool.threads + bySamples.partials : wrapSize('conv2dWorkspaceBytes')(p, pass);
  };
  const channelSplitWeight = wrapKernel('conv2dBackwardWeight', 'conv2dBackwardWeightPart', (a) => convFlops(a[0]), convSize(2));
  const conv2dBackwardWeight = (p: number, x: number, dy: number, dw: number, db: number, ws: number): void => {
    const bySamples = weightBySamples(p);
    if (!bySamples || !parallel(convFlops(p), bySamples.one)) {
      channelSplitWeight(p, x, dy, dw, db, ws);
      return;
    }
    const partials = ws + bySamples.one * pool.threads;
    pool.run('conv2dBackwardWeightSamplesPart', [p, x, dy, dw, db, partials], parts(), ws, bySamples.one);
    fn('conv2dBackwardWeightReduce')(p, dw, partials, parts());
  };

  // The composed DCD eval forward (dcd/forward_eval_part.ts): one job whose highest part computes the
  // layer's dynamic parts (pool, branch, latent path) beside the static conv's parts, then λ and the
  // projection with the fused output (a second job, or on this thread when small). ws = the shared
  // results, then one slice per thread.
  const dcdShared = (plan: number, n: number): number => align64(fn('dcdEvalForwardSharedBytes')(plan, n) >>> 0);
  const dcdSlice = (plan: number, n: number): number => slice(fn('dcdEvalForwardPartWorkspaceBytes')(plan, n));
  const dcdEval = {
    dcdEvalForwardWorkspaceBytes: (plan: number, n: number): number => {
      const serial = fn('dcdEvalForwardWorkspaceBytes')(plan, n) >>> 0;
      const split = dcdShared(plan, n) + dcdSlice(plan, n) * pool.threads;
      return split < 2 ** 31 ? Math.max(serial, split) : serial;
    },
    dcdEvalForward: (plan: number, n: number, x: number, y: number, eps: number, ws: number): void => {
      const shared = dcdShared(plan, n), one = dcdSlice(plan, n);
      const pixels = n * word(plan, 14) * word(plan, 15); // the static conv's descriptor first
      // over few pixels (DYCls: one) the static conv is a matrix-vector product, bound by its weight traffic
      const work = n * convFlops(plan) * Math.max(1, 4 / pixels);
      if (!parallel(work, one) || !fits(shared + one * pool.threads)) {
        fn('dcdEvalForward')(plan, n, x, y, eps, ws);
        return;
      }
      pool.run('dcdEvalForwardPart', [plan, n, x, y, f32Bits(eps), ws], parts() + 1, ws + shared, one);
      // λ and the projection (2·Cout·L·pixels): a second job when big. Its threshold is a quarter of the
      // usual: the workers are still spinning from the first job, so the hand-off skips the wake-up.
      if (4 * 2 * word(plan, 4) * word(plan, DCD_LATENT) * pixels >= options.minFlops) {
        pool.run('dcdEvalForwardFinishPart', [plan, n, y, ws], parts(), ws + shared, one);
      } else {
        fn('dcdEvalForwardFinish')(plan, n, y, ws, ws + shared + PART_SCRATCH);
      }
    },
  };
  // Max pooling: planes split across the threads. ~8 flop-equivalents per window element (the
  // stem's 64 × 56² outputs of 3×3 windows take 1.2 ms, a conv of ~25 MFLOP), against the conv threshold.
  const maxPoolWork = (p: number): number => 8 * word(p, 0) * word(p, 1) * word(p, 12) * word(p, 13) * word(p, 4) * word(p, 5);
  const maxPool2dForward = (p: number, x: number, y: number): void => {
    if (pool.workers > 0 && maxPoolWork(p) >= options.minFlops) pool.run('maxPool2dForwardPart', [p, x, y], parts(), 0, 0);
    else fn('maxPool2dForward')(p, x, y);
  };
  // Average pools over whole planes (DCD's pooled descriptor): memory-bound, ~8 per input element as above.
  const avgPool = (name: string, part: PartKernel) => (...args: number[]): void => {
    if (pool.workers > 0 && 8 * args[0] * args[1] * args[2] * args[3] >= options.minFlops) pool.run(part, args, parts(), 0, 0);
    else fn(name)(...args);
  };
  // DCD's effective weights (dcd/effective_part.ts): output-channel ranges. Work as dcd_forward.ts's
  // useEffectiveWeights counts it: a pass over W0 (~16 per weight) and the rank-L update.
  const effectiveSize = (a: number[]) => fn('dcdEffectiveWorkspaceBytes')(a[0], a[1], a[4], a[5], a[3]);
  const effectiveWork = (a: number[]) => 16 * a[0] * a[1] * a[2] + (a[11] ? 2 * a[0] * a[4] * a[1] * a[3] / a[5] : 0);
  const dcdEffective = {
    dcdEffectiveWorkspaceBytes: wrapSize('dcdEffectiveWorkspaceBytes'),
    dcdEffectiveWeight: (...call: number[]): void => {
      const args = call.slice(0, -1), ws = call[call.length - 1];
      const one = slice(effectiveSize(args));
      if (!parallel(effectiveWork(args), one)) {
        fn('dcdEffectiveWeight')(...call);
        return;
      }
      args[20] = f32Bits(args[20]); // eps: the control block holds i32 arguments only
      pool.run('dcdEffectiveWeightPart', args, parts(), ws, one);
    },
  };
  return {
    ...base,
    maxPool2dForward,
    globalAvgPoolForward: avgPool('globalAvgPoolForward', 'globalAvgPoolForwardPart'),
    adaptiveAvgPoolForward: avgPool('adaptiveAvgPoolForward', 'adaptiveAvgPoolForwardPart'),
    ...dcdEffective,
    conv2dWorkspaceBytes: convWorkspaceBytes,
    linearWorkspaceBytes: wrapSize('linearWorkspaceBytes'),
    ...(base.conv2dForwardFused ? {
      conv2dForwardFusedWorkspaceBytes: wrapSize('conv2dForwardFusedWorkspaceBytes'),
      conv2dForwardFused: fusedForward('conv2dForwardFused', 'conv2dForwardFusedPart'),
    } : {}),
    ...(base.conv2dForwardPacked ? { conv2dForwardPacked: fusedForward('conv2dForwardPacked', 'conv2dForwardPackedPart') } : {}),
    conv2dForward: wrapKernel('conv2dForward', 'conv2dForwardPart', (a) => convFlops(a[0]), convSize(0)),
    conv2dBackwardData: wrapKernel('conv2dBackwardData', 'conv2dBackwardDataPart', (a) => convFlops(a[0]), convSize(1)),
    conv2dBackwardWeight,
    // dx + dW: twice the flops of one pass; parts split channels (bit-identical to one thread).
    depthwiseConv2dBackward: wrapKernel('depthwiseConv2dBackward', 'depthwiseBackwardPart', (a) => 2 * convFlops(a[0]), convSize(1)),
    // a few rows of x: a product with the weight matrix that reads each weight for few multiply-adds,
    // so counted as the weight traffic (~8 per weight) when that is more (ResNet-50's fc, 2048→1000)
    linearForward: wrapKernel('linearForward', 'linearForwardPart', (a) => Math.max(2 * a[0], 8) * a[1] * a[2], linearSize),
    linearBackward: wrapKernel('linearBackward', 'linearBackwardPart', (a) => 4 * a[0] * a[1] * a[2], linearSize),
    ...dcdEval,
    ...threadedTrainingExports(base, pool, options.minFlops),
  } as KernelExports;
}
