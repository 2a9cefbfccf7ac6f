/**
 * Sizes of the randomized suites (fuzzers, soak, OOM sweeps). CI size by default — a few seconds per
 * runtime; the long mode (`DCD_FUZZ=long`, e.g. `node tools/fuzz.mjs`) runs thousands of cases.
 * Runtime-neutral: reads the environment only where one exists (Node, Deno), never imports node:*.
 */
/** The variable, or undefined where there is no environment or reading it is not permitted (Deno). */
function readEnv(name: string): string | undefined {
  try {
    return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name];
  } catch {
    return undefined;
  }
}

/** True under DCD_FUZZ=long. */
export const LONG = readEnv('DCD_FUZZ') === 'long';

/** The seed of a fuzz run: DCD_FUZZ_SEED, else fixed so CI failures reproduce. */
export const FUZZ_SEED = Number(readEnv('DCD_FUZZ_SEED') ?? 20261207) >>> 0;

/** `ci` cases normally, `long` under DCD_FUZZ=long. */
export const fuzzCount = (ci: number, long: number): number => (LONG ? long : ci);

/** Per-test timeout: vitest's default under CI sizes, an hour for the long mode. */
export const FUZZ_TIMEOUT: number | undefined = LONG ? 3_600_000 : undefined;
