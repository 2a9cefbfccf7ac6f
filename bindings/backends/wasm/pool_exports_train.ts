/**
 * Threaded training-step kernels behind the ordinary kernel ABI (pool_exports.ts does the same for
 * convs and linear): the op files keep calling the one-thread names, and on the threads build these
 * run them split across the ThreadPool.
 *   dynamicConv2dWorkspaceBytes(p, K, pass) → threads × (64 + the one-thread size, 64-aligned), and for
 *     the backward also (parts − 1) partial gradients (dynamicConv2dPartialBytes each) after them.
 *   dynamicConv2dForward  → dynamicConv2dForwardPart: samples across the threads (bit-identical).
 *   dynamicConv2dBackward → dynamicConv2dBackwardPart (samples; ∂W_k / ∂b_k of part j ≥ 1 into partial
 *     j − 1), then dynamicConv2dReducePart (adds the partials in part order, elements across the threads).
 *   batchNormForwardTrain(Fused) / batchNormBackwardTrain → their *Part kernels: channels across the
 *     threads (bit-identical); f32 arguments as bit patterns.
 *   dcdProjectForward / dcdProjectBackward, dcdPhi*, dcdScale* (DCD's per-sample pieces of the training step)
 *     → dcd/train_part.ts: samples across the threads (dP by latent columns), bit-identical;
 *     dcdProjectWorkspaceBytes → threads × (64 + the one-thread size).
 *   relu / relu6 forward and backward, addForward, axpby, dcdAddInto → elementwisePart (op codes there):
 *     element ranges across the threads, bit-identical.
 *   adaptiveAvgPool / globalAvgPool backward → avgPoolBackwardPart: samples, bit-identical (their
 *     forwards: pool_exports.ts, by planes).
 *   dynamicAttentionForward → globalAvgPoolForwardPart (planes) + dynamicAttentionHead on this thread;
 *   dynamicAttentionBackward → dynamicAttentionBackwardHead + dynamicAttentionPoolGradPart (∂x's pool
 *     share, planes): bit-identical.
 * Same contract as pool_exports.ts: a kernel's workspace was sized by the wrapped *WorkspaceBytes call.
 */
import type { PartKernel } from '../../runtime/threads/control';
import type { ThreadPool } from '../../runtime/threads/pool';
import type { KernelExports } from './exports';
import { f32Bits } from './f32_bits';
import { PART_SCRATCH, PARTS_PER_THREAD, align64, convFlops as convFlopsOf, wordReader } from './parts';

type Fn = (...args: number[]) => number;

/** Backward parts per thread: each part past the first costs a partial ∂W (K kernels) and its reduction. */
const BACKWARD_PARTS_PER_THREAD = 2;
/**
 * BatchNorm is memory-bound: ~2 ns per element and pass on one thread, what a GEMM needs for ~40
 * flops, so an element counts as 40 flops against the pool's threshold (minFlops).
 */
const BATCHNORM_FLOPS_PER_ELEMENT = 40;
/** One pass over the elements (DCD's λ scaling): ~0.5 ns per element. */
const PASS_FLOPS_PER_ELEMENT = 10;

export function threadedTrainingExports(base: KernelExports, pool: ThreadPool, minFlops: number): Partial<KernelExports> {
  const fn = (name: string): Fn => base[name] as Fn;
  if (typeof base.dynamicConv2dForwardPart !== 'function' || typeof base.batchNormForwardTrainPart !== 'function') return {};
  const memory = base.memory;
  const word = wordReader(memory);
  const convFlops = (p: number): number => convFlopsOf(word, p);
  const samples = (p: number): number => word(p, 0);
  const slice = (bytes: number): number => PART_SCRATCH + align64(bytes >>> 0);
  const parallel = (flops: number): boolean => pool.workers > 0 && flops >= minFlops;

  const forwardParts = (p: number): number => Math.max(1, Math.min(samples(p), pool.threads * PARTS_PER_THREAD));
  const backwardParts = (p: number): number => Math.max(1, Math.min(samples(p), pool.threads * BACKWARD_PARTS_PER_THREAD));
  /** Bytes the threaded dynamic conv needs (null: more than a usize holds, so it runs on one thread). */
  const dynamicLayout = (p: number, K: number, pass: number): { one: number; total: number } | null => {
    const one = slice(fn('dynamicConv2dWorkspaceBytes')(p, K, pass));
    const partials = pass === 1 ? (backwardParts(p) - 1) * (fn('dynamicConv2dPartialBytes')(p, K) >>> 0) : 0;
    const total = one * pool.threads + partials;
    return total < 2 ** 31 ? { one, total } : null;
  };

  /**
   * kernel(N, …) whose part kernel splits the N samples (no workspace): on the pool when there are ≥ 2
   * samples and enough work, else the one-thread kernel.
   */
  const bySamples = (name: string, part: PartKernel, flops: (a: number[]) => number) => (...args: number[]): void => {
    const parts = Math.min(args[0], pool.threads * PARTS_PER_THREAD);
    if (parts >= 2 && parallel(flops(args))) pool.run(part, args, parts, 0, 0);
    else fn(name)(...args);
  };
  // DCD's latent projection (N, Cout, L, B, HW, …, ws): one thread's workspace is the one-thread size
  const projectSlice = (a: number[]): number => slice(fn('dcdProjectWorkspaceBytes')(a[1], a[2], a[3], a[4]));
  const projectFits = (a: number[]): boolean => projectSlice(a) * pool.threads < 2 ** 31;
  const projectFlops = (a: number[]): number => 2 * a[0] * a[1] * (a[2] / a[3]) * a[4];
  const project = (name: string, part: PartKernel, passes: number) => (...call: number[]): void => {
    const args = call.slice(0, -1);
    const parts = Math.min(args[0], pool.threads * PARTS_PER_THREAD);
    if (parts >= 2 && projectFits(args) && parallel(passes * projectFlops(args))) {
      pool.run(part, args, parts, call[call.length - 1], projectSlice(args));
    } else {
      fn(name)(...call);
    }
  };

  /** One pass over n elements (assembly/nn/elementwise_part.ts op codes), split when n is large enough. */
  const elementwise = (name: string, op: number, operands: (a: number[]) => number[]) => (...args: number[]): void => {
    const n = args[0];
    if (n >= 64 && parallel(PASS_FLOPS_PER_ELEMENT * n)) {
      pool.run('elementwisePart', [op, n, ...operands(args)], Math.min(Math.ceil(n / 16), pool.threads * PARTS_PER_THREAD), 0, 0);
    } else {
      fn(name)(...args);
    }
  };

  /** Average pools' backward (N, C, H, W, [OH, OW,] dy, dx, accumulate): samples across the threads (nn/pool_part.ts). */
  const avgPoolBackward = (name: string, op: number) => (...args: number[]): void => {
    const [n, c, h, w] = args;
    const [oh, ow, dy, dx, accumulate] = op === 1 ? [1, 1, ...args.slice(4)] : args.slice(4);
    const parts = Math.min(n, pool.threads * PARTS_PER_THREAD);
    if (parts >= 2 && parallel(PASS_FLOPS_PER_ELEMENT * n * c * h * w)) {
      pool.run('avgPoolBackwardPart', [op, n, c, h, w, oh, ow, dy, dx, accumulate], parts, 0, 0);
    } else {
      fn(name)(...args);
    }
  };

  /** BatchNorm (N, C, S, …) split by channels, when there are ≥ 2 and enough elements. */
  const byChannels = (name: string, part: PartKernel, partArgs: (a: number[]) => number[]) => (...args: number[]): void => {
    const [n, c, s] = args;
    if (c > 1 && parallel(BATCHNORM_FLOPS_PER_ELEMENT * n * c * s)) {
      pool.run(part, partArgs(args), Math.min(c, pool.threads * PARTS_PER_THREAD), 0, 0);
    } else {
      fn(name)(...args);
    }
  };
  const withBits = (a: number[]): number[] => a.map((v, i) => (i === 8 || i === 9 ? f32Bits(v) : v));

  // DY-Conv's attention (N, C, H, W, hidden, K, mode, invT, …): its pool over x and the pool's share of
  // ∂x are passes over N·C·H·W elements (~3.4 ms of a bench:train DY step on one thread); they split by
  // planes, the small MLP around them stays on this thread. Element-wise the same as the one-thread kernel.
  const attentionSplits = (a: number[]): boolean => a[0] * a[1] >= 2 && parallel(PASS_FLOPS_PER_ELEMENT * a[0] * a[1] * a[2] * a[3]);
  const planeParts = (a: number[]): number => Math.min(a[0] * a[1], pool.threads * PARTS_PER_THREAD);
  const dynamicAttention = typeof base.dynamicAttentionPoolGradPart === 'function' ? {
    dynamicAttentionForward: (...a: number[]): void => {
      if (!attentionSplits(a)) {
        fn('dynamicAttentionForward')(...a);
        return;
      }
      const [n, c, h, w, hidden, k, mode, invT, x, w1, b1, w2, b2, pooled, hid, pi, ws] = a;
      pool.run('globalAvgPoolForwardPart', [n, c, h, w, x, pooled], planeParts(a), 0, 0);
      fn('dynamicAttentionHead')(n, c, hidden, k, mode, invT, w1, b1, w2, b2, pooled, hid, pi, ws);
    },
    dynamicAttentionBackward: (...a: number[]): void => {
      if (!attentionSplits(a)) {
        fn('dynamicAttentionBackward')(...a);
        return;
      }
      const [n, c, h, w, hidden, k, mode, invT, pooled, hid, pi, dpi, w1, w2, dw1, db1, dw2, db2, dx, ws] = a;
      const dg = fn('dynamicAttentionBackwardHead')(n, c, hidden, k, mode, invT, pooled, hid, pi, dpi, w1, w2, dw1, db1, dw2, db2, ws) >>> 0;
      pool.run('dynamicAttentionPoolGradPart', [n * c, h * w, dg, dx], planeParts(a), 0, 0);
    },
  } : {};

  return {
    ...dynamicAttention,
    ...(typeof base.elementwisePart === 'function' ? {
      reluForward: elementwise('reluForward', 0, ([, x, y]) => [x, y, 0, 0, 0]),
      reluBackward: elementwise('reluBackward', 1, ([, x, dy, dx]) => [x, dy, dx, 0, 0]),
      relu6Forward: elementwise('relu6Forward', 2, ([, x, y]) => [x, y, 0, 0, 0]),
      relu6Backward: elementwise('relu6Backward', 3, ([, x, dy, dx]) => [x, dy, dx, 0, 0]),
      addForward: elementwise('addForward', 4, ([, a, b, y, relu]) => [a, b, y, relu, 0]),
      axpby: elementwise('axpby', 5, ([, alpha, x, beta, y]) => [x, y, 0, f32Bits(alpha), f32Bits(beta)]),
      // dst += src as dst = src + dst (float addition commutes: the same bits)
      dcdAddInto: elementwise('dcdAddInto', 4, ([, src, dst]) => [src, dst, dst, 0, 0]),
    } : {}),
    // (their forwards split by planes: pool_exports.ts)
    ...(typeof base.avgPoolBackwardPart === 'function' ? {
      adaptiveAvgPoolBackward: avgPoolBackward('adaptiveAvgPoolBackward', 0),
      globalAvgPoolBackward: avgPoolBackward('globalAvgPoolBackward', 1),
    } : {}),
    ...(typeof base.dcdProjectForwardPart === 'function' ? {
      dcdProjectWorkspaceBytes: (cout: number, l: number, b: number, hw: number): number => {
        const one = projectSlice([0, cout, l, b, hw]);
        return one * pool.threads < 2 ** 31 ? one * pool.threads : fn('dcdProjectWorkspaceBytes')(cout, l, b, hw);
      },
      dcdProjectForward: project('dcdProjectForward', 'dcdProjectForwardPart', 1),
      dcdProjectBackward: project('dcdProjectBackward', 'dcdProjectBackwardPart', 2),
      // (N, B, lb, HW, …): 2·lb flops per latent value and pixel, twice that backward
      dcdPhiForward: bySamples('dcdPhiForward', 'dcdPhiForwardPart', (a) => 2 * a[0] * a[1] * a[2] * a[2] * a[3]),
      dcdPhiBackward: bySamples('dcdPhiBackward', 'dcdPhiBackwardPart', (a) => 4 * a[0] * a[1] * a[2] * a[2] * a[3]),
      dcdScaleForward: bySamples('dcdScaleForward', 'dcdScaleForwardPart', (a) => PASS_FLOPS_PER_ELEMENT * a[0] * a[1] * a[2]),
      dcdScaleBackward: bySamples('dcdScaleBackward', 'dcdScaleBackwardPart', (a) => 2 * PASS_FLOPS_PER_ELEMENT * a[0] * a[1] * a[2]),
    } : {}),
    dynamicConv2dWorkspaceBytes: (p: number, K: number, pass: number): number =>
      dynamicLayout(p, K, pass)?.total ?? fn('dynamicConv2dWorkspaceBytes')(p, K, pass),
    dynamicConv2dForward: (p: number, K: number, x: number, pi: number, w: number, b: number, y: number, ws: number): void => {
      const layout = dynamicLayout(p, K, 0);
      if (layout && parallel(convFlops(p))) {
        pool.run('dynamicConv2dForwardPart', [p, K, x, pi, w, b, y], forwardParts(p), ws, layout.one);
      } else {
        fn('dynamicConv2dForward')(p, K, x, pi, w, b, y, ws);
      }
    },
    dynamicConv2dBackward: (p: number, K: number, x: number, pi: number, w: number, b: number, dy: number,
      dx: number, dw: number, db: number, dpi: number, ws: number): void => {
      const layout = dynamicLayout(p, K, 1);
      if (layout && parallel(2 * convFlops(p))) {
        const parts = backwardParts(p);
        const partials = ws + layout.one * pool.threads;
        pool.run('dynamicConv2dBackwardPart', [p, K, x, pi, w, b, dy, dx, dw, db, dpi, partials], parts, ws, layout.one);
        pool.run('dynamicConv2dReducePart', [p, K, b, dw, db, partials, parts], pool.threads, ws, layout.one);
      } else {
        fn('dynamicConv2dBackward')(p, K, x, pi, w, b, dy, dx, dw, db, dpi, ws);
      }
    },
    // (N, C, S, …): channels across the threads; momentum and eps (arguments 8, 9) as f32 bit patterns
    batchNormForwardTrainFused: byChannels('batchNormForwardTrainFused', 'batchNormForwardTrainPart', withBits),
    // the part kernel's relu flag (argument 11) is 0 here
    batchNormForwardTrain: byChannels('batchNormForwardTrain', 'batchNormForwardTrainPart',
      (a) => [...withBits(a).slice(0, 11), 0, ...a.slice(11)]),
    batchNormBackwardTrain: byChannels('batchNormBackwardTrain', 'batchNormBackwardTrainPart', (a) => a),
  };
}
