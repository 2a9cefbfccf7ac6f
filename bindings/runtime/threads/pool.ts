/**
 * ThreadPool: W − 1 workers sharing the main thread's wasm memory, and run(), which executes one
 * op split into parts on all of them. run() is synchronous: the main thread publishes the job in
 * the control block (control.ts), wakes the workers, claims parts itself like any worker, then
 * waits for the parts others claimed — with Atomics.wait where this thread may block, else by
 * spinning (a browser's main thread; only parts already claimed are waited for, and those run).
 * Parts no worker claimed are run by the main thread, so a slow-starting or terminated pool only
 * costs speed, never correctness.
 */
import { BackendError } from '../../errors';
import {
  ARGS, CLAIM, CONTROL_INTS, DONE, FAILED, FN, GENERATION_MASK, GENERATION_SHIFT, MAX_ARGS, MAX_PARTS, NARGS,
  PART_KERNELS, PARTS, QUIT, SPIN_LOADS, WS_BASE, WS_STRIDE, type PartKernel,
} from './control';
import { spawnWorker, type WorkerHandle } from './spawn';
import { canBlock } from './support';
import { WORKER_SOURCE } from './worker_source';

type KernelFn = (...args: number[]) => void;

const READY_TIMEOUT_MS = 30_000;

export class ThreadPool {
  /** Threads including the calling one. */
  readonly threads: number;
  readonly #ctl: Int32Array;
  readonly #kernels: KernelFn[];
  readonly #block = canBlock();
  #workers: WorkerHandle[];
  #generation = 0;

  private constructor(threads: number, ctl: Int32Array, kernels: KernelFn[], workers: WorkerHandle[]) {
    this.threads = threads;
    this.#ctl = ctl;
    this.#kernels = kernels;
    this.#workers = workers;
  }

  /**
   * Starts threads − 1 workers on `memory`, each instantiating `module`; resolves when all are
   * ready. `control` is the byte offset of CONTROL_BYTES reserved for the control block.
   */
  static async start(module: WebAssembly.Module, memory: WebAssembly.Memory,
    exports: Record<string, unknown>, control: number, threads: number): Promise<ThreadPool> {
    const missing = PART_KERNELS.filter((k) => typeof exports[k] !== 'function');
    if (missing.length > 0) throw new BackendError(`the threads wasm build lacks ${missing.join(', ')}`);
    const ctl = new Int32Array(memory.buffer, control, CONTROL_INTS);
    ctl.fill(0);
    const workers: WorkerHandle[] = [];
    const ready: Promise<void>[] = [];
    try {
      for (let tid = 1; tid < threads; tid++) {
        const w = spawnWorker(WORKER_SOURCE, `dcd-wasm thread ${tid}`);
        workers.push(w);
        ready.push(new Promise((resolve, reject) => {
          w.onFirstMessage((m, e) => {
            const error = e?.message ?? (m as { error?: string } | undefined)?.error;
            if (error) reject(new BackendError(`thread ${tid} failed to start: ${error}`));
            else resolve();
          });
        }));
        w.post({ module, memory, control, tid, kernels: PART_KERNELS });
      }
      await withTimeout(Promise.all(ready), READY_TIMEOUT_MS, `threads did not start within ${READY_TIMEOUT_MS / 1000} s`);
    } catch (e) {
      for (const w of workers) w.terminate();
      throw e instanceof BackendError ? e : new BackendError(`could not start threads: ${(e as Error)?.message ?? String(e)}`);
    }
    const kernels = PART_KERNELS.map((k) => exports[k] as KernelFn);
    return new ThreadPool(threads, ctl, kernels, workers);
  }

  /** Workers still running (0 after dispose()). */
  get workers(): number { return this.#workers.length; }

  /**
   * Runs `kernel(...args, ws, part, parts)` for part = 0 … parts − 1 across the threads; thread t
   * gets workspace wsBase + t·wsStride. Returns when every part is done.
   */
  run(kernel: PartKernel, args: readonly number[], parts: number, wsBase: number, wsStride: number): void {
    if (args.length > MAX_ARGS || parts < 1 || parts > MAX_PARTS) {
      throw new Error(`dcd-wasm internal error: bad thread job (${args.length} args, ${parts} parts)`);
    }
    const ctl = this.#ctl;
    const fn = PART_KERNELS.indexOf(kernel);
    ctl[FN] = fn;
    ctl[PARTS] = parts;
    ctl[WS_BASE] = wsBase | 0;
    ctl[WS_STRIDE] = wsStride | 0;
    ctl[NARGS] = args.length;
    for (let i = 0; i < args.length; i++) ctl[ARGS + i] = args[i] | 0;
    Atomics.store(ctl, DONE, 0);
    Atomics.store(ctl, FAILED, 0);
    this.#generation = (this.#generation + 1) & GENERATION_MASK;
    // Publishing the claim word makes the job visible (Atomics are sequentially consistent).
    Atomics.store(ctl, CLAIM, (this.#generation << GENERATION_SHIFT) | parts);
    if (this.#workers.length > 0) Atomics.notify(ctl, CLAIM);
    let error: unknown = null;
    const own = this.#kernels[fn];
    for (;;) {
      const word = Atomics.load(ctl, CLAIM);
      const left = word & MAX_PARTS;
      if (left === 0) break;
      if (Atomics.compareExchange(ctl, CLAIM, word, word - 1) !== word) continue;
      // after a failure, keep claiming (so no part is left unclaimed) but skip the work
      if (error === null) {
        try {
          own(...args, wsBase, left - 1, parts);
        } catch (e) {
          error = e;
        }
      }
      Atomics.add(ctl, DONE, 1);
    }
    this.#awaitDone(parts);
    if (error !== null) throw error;
    if (Atomics.load(ctl, FAILED)) throw new BackendError(`${kernel}: a kernel trapped on a worker thread`);
  }

  #awaitDone(parts: number): void {
    const ctl = this.#ctl;
    // Spin first: the parts still running usually end within a part's time, and a wake from
    // Atomics.wait can take far longer (control.ts SPIN_LOADS).
    for (let spins = SPIN_LOADS; spins > 0 && Atomics.load(ctl, DONE) < parts; spins--) { /* spin */ }
    for (let done = Atomics.load(ctl, DONE); done < parts; done = Atomics.load(ctl, DONE)) {
      if (this.#block) Atomics.wait(ctl, DONE, done);
    }
  }

  /** Ends the workers (they leave their loop, then are terminated). Idempotent. */
  dispose(): void {
    if (this.#workers.length === 0) return;
    Atomics.store(this.#ctl, QUIT, 1);
    Atomics.notify(this.#ctl, CLAIM);
    for (const w of this.#workers) w.terminate();
    this.#workers = [];
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(message)), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}
