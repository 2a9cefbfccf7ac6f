/**
 * Sizes of the randomized suites (fuzzers, soak, OOM sweeps). CI size by default — a few seconds per
 * runtime; the long mode (`DCD_FUZZ=long`, e.g. `node tools/fuzz.mjs`) runs thousands of cases.
 * Runtime-neutral: reads the environment only where one exists (Node, Deno), never imports node:*.
 */
const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;

/** True under DCD_FUZZ=long. */
export const LONG = env?.DCD_FUZZ === 'long';

/** The seed of a fuzz run: DCD_FUZZ_SEED, else fixed so CI failures reproduce. */
export const FUZZ_SEED = Number(env?.DCD_FUZZ_SEED ?? 20261207) >>> 0;

/** `ci` cases normally, `long` under DCD_FUZZ=long. */
export const fuzzCount = (ci: number, long: number): number => (LONG ? long : ci);
