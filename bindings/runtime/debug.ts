/**
 * init() options that guard memory rather than pick a backend: a cap on memory (`maxMemoryBytes`)
 * and debug aids (`debug`): leak reports for tensors garbage-collected without dispose(), NaN
 * poisoning of free wasm memory, and allocation fault injection for out-of-memory tests.
 */
import { OptionError } from '../errors';
import { describe, expectOptions } from '../ops/checks';

/** Debug aids, passed as init({ debug }); `debug: true` enables leak reports (console.warn) and poisoning. */
export interface DebugOptions {
  /** Report tensors garbage-collected without dispose(): true = console.warn, or your callback. */
  leaks?: boolean | ((report: string) => void);
  /**
   * wasm backends: keep every free byte of the heap filled with NaN (0xFF bytes) — at start, when
   * memory grows and whenever a block is freed — so a kernel that reads memory it never wrote
   * produces NaN instead of a plausible stale value. Slow; for tests.
   */
  poison?: boolean;
  /**
   * Fault injection (wasm backends): called before every allocation with its 1-based count and size;
   * returning true makes that allocation fail with OutOfMemoryError, as a full memory would.
   */
  failAllocation?: (count: number, bytes: number) => boolean;
}

/** What the backends need, resolved and validated. */
export interface RuntimeGuards {
  /** Upper bound on wasm memory growth (bytes); Infinity = the wasm32 limit. */
  maxMemoryBytes: number;
  onLeak: ((report: string) => void) | null;
  poison: boolean;
  failAllocation: ((count: number, bytes: number) => boolean) | null;
}

export const NO_GUARDS: RuntimeGuards = { maxMemoryBytes: Infinity, onLeak: null, poison: false, failAllocation: null };

const warnLeak = (report: string): void => console.warn(`dcd-wasm: ${report}`);

/** Validates `maxMemoryBytes` and `debug` (true = leaks and poison on). OptionError naming the option. */
export function parseRuntimeGuards(op: string, maxMemoryBytes: unknown, debug: unknown): RuntimeGuards {
  if (maxMemoryBytes !== undefined && (typeof maxMemoryBytes !== 'number' || !(maxMemoryBytes > 0))) {
    throw new OptionError(`${op}: maxMemoryBytes must be a number > 0, got ${describe(maxMemoryBytes)}`);
  }
  const guards: RuntimeGuards = { ...NO_GUARDS, maxMemoryBytes: (maxMemoryBytes as number | undefined) ?? Infinity };
  if (debug === undefined || debug === false) return guards;
  if (debug === true) return { ...guards, onLeak: warnLeak, poison: true };
  const d = expectOptions<DebugOptions>(debug, `${op}: debug`, ['leaks', 'poison', 'failAllocation']);
  if (d.leaks !== undefined && typeof d.leaks !== 'boolean' && typeof d.leaks !== 'function') {
    throw new OptionError(`${op}: debug.leaks must be a boolean or a function, got ${describe(d.leaks)}`);
  }
  if (d.poison !== undefined && typeof d.poison !== 'boolean') {
    throw new OptionError(`${op}: debug.poison must be a boolean, got ${describe(d.poison)}`);
  }
  if (d.failAllocation !== undefined && typeof d.failAllocation !== 'function') {
    throw new OptionError(`${op}: debug.failAllocation must be a function, got ${describe(d.failAllocation)}`);
  }
  return {
    ...guards,
    onLeak: typeof d.leaks === 'function' ? d.leaks : d.leaks ? warnLeak : null,
    poison: d.poison ?? false,
    failAllocation: d.failAllocation ?? null,
  };
}
