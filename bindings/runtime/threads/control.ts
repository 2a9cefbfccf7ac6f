/**
 * The control block: 48 i32 in shared memory through which the main thread hands one op to the
 * workers. Layout (i32 indices) and the protocol, shared by dispatch.ts and worker_source.ts:
 *
 *   CLAIM      (generation << 12) | parts not yet claimed. A thread takes part `left − 1` by a
 *              compareExchange left → left − 1; the generation makes a stale claim fail. The job
 *              words below are only read after a successful claim, and the main thread rewrites
 *              them only once every claimed part is DONE, so a claimant always sees its own job.
 *   DONE       parts finished in this job (the thread that finishes the last one notifies).
 *   QUIT       1: workers leave their loop (dispose).
 *   FAILED     1: a worker's kernel threw.
 *   READY      workers that have instantiated the module.
 *   FN         index of the part kernel in PART_KERNELS.
 *   PARTS      the job's part count (≤ MAX_PARTS).
 *   WS_BASE, WS_STRIDE   thread t's workspace is WS_BASE + t · WS_STRIDE (main thread: t = 0).
 *   NARGS, ARGS…         the kernel's leading arguments; it is called (…args, ws, part, parts).
 */
export const CLAIM = 0;
export const DONE = 1;
export const QUIT = 2;
export const FAILED = 3;
export const READY = 4;
export const FN = 5;
export const PARTS = 6;
export const WS_BASE = 7;
export const WS_STRIDE = 8;
export const NARGS = 9;
export const ARGS = 10;
export const CONTROL_INTS = 48; // dcdEffectiveWeightPart takes 23 leading arguments
export const CONTROL_BYTES = CONTROL_INTS * 4;
export const MAX_ARGS = CONTROL_INTS - ARGS;
export const MAX_PARTS = 0xfff;
export const GENERATION_SHIFT = 12;
export const GENERATION_MASK = 0xfffff;

/** Kernel exports that run one part of an op (assembly/index.ts), by FN index. */
export const PART_KERNELS = [
  'conv2dForwardPart', 'conv2dBackwardDataPart', 'conv2dBackwardWeightPart', 'linearForwardPart', 'linearBackwardPart',
  'depthwiseBackwardPart', 'conv2dForwardFusedPart', 'conv2dForwardPackedPart',
  // training step (backends/wasm/pool_exports_train.ts)
  'dynamicConv2dForwardPart', 'dynamicConv2dBackwardPart', 'dynamicConv2dReducePart',
  'batchNormForwardTrainPart', 'batchNormBackwardTrainPart',
  'dcdProjectForwardPart', 'dcdProjectBackwardPart', 'dcdPhiForwardPart', 'dcdPhiBackwardPart',
  'dcdScaleForwardPart', 'dcdScaleBackwardPart', 'elementwisePart', 'avgPoolBackwardPart',
  // inference (backends/wasm/pool_exports.ts)
  'dcdEvalForwardPart', 'maxPool2dForwardPart', 'dcdEffectiveWeightPart', 'dcdEvalForwardFinishPart',
  'globalAvgPoolForwardPart', 'adaptiveAvgPoolForwardPart',
  // a conv's dW split by samples (few input channels: the stem)
  'conv2dBackwardWeightSamplesPart',
  // DY-Conv's attention: ∂x's share of its pool (dynamic/conv_part.ts)
  'dynamicAttentionPoolGradPart',
] as const;
export type PartKernel = (typeof PART_KERNELS)[number];

/**
 * How many Atomics.load polls a thread spins before it sleeps in Atomics.wait — a worker between
 * jobs, the main thread waiting for the last parts — ~1.2 ms at ~12 ns a poll (Node 20; a count,
 * not a clock, which some runtimes freeze during a call). A wake from Atomics.wait takes 26–42 µs
 * median on this 2-core VM but 0.14–1.1 ms at p99 and ~3 ms at worst (600 wakes after 0.3–1 ms
 * sleeps: tools/wake-latency.mjs), and a planned DCD-ResNet-50 hands out 82 jobs per image with short
 * serial steps between them: at 4 000 / 5 000 polls (~50 µs) the threads slept between most jobs and
 * the main thread waited 5.5–14 ms per image for late workers (2 threads, batch 1, run medians
 * 105–132 ms over 8 processes); at 100 000 it waited 3.9–6.6 ms (100–115 ms), faster in 7 of 8
 * alternated pairs.
 * The price: each thread burns up to ~1.2 ms of CPU after the last job before it sleeps (as
 * pthreadpool's and ONNX Runtime's pools spin before they block).
 */
export const SPIN_LOADS = 100_000;
