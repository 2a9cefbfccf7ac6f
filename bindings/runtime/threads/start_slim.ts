/**
 * The slim entry's stand-in for start.ts (rollup.config.mjs swaps it in for dist/slim.js only):
 * dcd-wasm/slim carries no worker pool — the pool, the worker's source and the threaded kernel
 * wrappers are ~16 KB of minified JS, which put the slim bundle past its 100 KB budget — so
 * init({ threads: n > 1 }) is a BackendError that names the default entry, and threads: 'auto' falls
 * back to one thread with that note, as it does where a runtime cannot run threads.
 */
import { BackendError } from '../../errors';
import { checkThreadsOption, type ThreadPlan } from './option';

export type { ThreadsOption } from './option';

const REASON = "the slim entry (dcd-wasm/slim) has no threads runtime: import init from 'dcd-wasm' for threads";

export function planThreads(op: string, option: unknown): ThreadPlan {
  if (!checkThreadsOption(op, option)) return { threads: 1 };
  if (option === 'auto') return { threads: 1, note: `threads: 'auto' fell back to 1 thread: ${REASON}` };
  throw new BackendError(`${op}: threads: ${String(option)} requested but ${REASON}`);
}

/** Never called: planThreads above never asks for more than one thread. */
export function initThreads(op: string): never {
  throw new BackendError(`${op}: ${REASON}`);
}
