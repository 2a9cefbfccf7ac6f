/**
 * Runs the collected test tree sequentially: beforeAll hooks, then children, then afterAll hooks,
 * each test (with the beforeEach/afterEach of every enclosing suite) under a timeout. A failing beforeAll fails every test of its suite (as in vitest).
 */
import { root, type Suite, type TestCase } from './registry';

export interface TestResult {
  name: string;
  status: 'passed' | 'failed' | 'skipped';
  error?: string;
  ms: number;
}

export interface RunSummary {
  passed: number;
  failed: number;
  skipped: number;
  failures: TestResult[];
  ms: number;
}

export interface RunOptions {
  /** Called after each test (and each failing hook), e.g. to stream progress. */
  onResult?: (result: TestResult) => void;
  defaultTimeoutMs?: number;
}

function describeError(err: unknown): string {
  if (err instanceof Error) {
    const stack = err.stack && err.stack.includes(err.message) ? err.stack : `${err.name}: ${err.message}\n${err.stack ?? ''}`;
    return stack.split('\n').slice(0, 8).join('\n');
  }
  return String(err);
}

async function withTimeout(fn: () => unknown, ms: number, what: string): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  try {
    await Promise.race([Promise.resolve().then(fn), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const now = (): number => (globalThis.performance ? performance.now() : Date.now());

export async function run(options: RunOptions = {}): Promise<RunSummary> {
  const started = now();
  const summary: RunSummary = { passed: 0, failed: 0, skipped: 0, failures: [], ms: 0 };
  const timeoutMs = options.defaultTimeoutMs ?? 60_000;
  const record = (result: TestResult): void => {
    summary[result.status]++;
    if (result.status === 'failed') summary.failures.push(result);
    options.onResult?.(result);
  };

  /** The enclosing suites, outermost first: their beforeEach run in that order, afterEach reversed. */
  const ancestors: Suite[] = [];

  async function runTest(test: TestCase, path: string[], skip: boolean, setupError: unknown): Promise<void> {
    const name = [...path, test.name].join(' > ');
    if (skip || test.skip) return record({ name, status: 'skipped', ms: 0 });
    if (setupError !== undefined) {
      return record({ name, status: 'failed', error: `beforeAll failed: ${describeError(setupError)}`, ms: 0 });
    }
    const t0 = now();
    const limit = test.timeoutMs ?? timeoutMs;
    let error: unknown;
    try {
      for (const s of ancestors) for (const hook of s.beforeEach) await withTimeout(hook, limit, `beforeEach of "${name}"`);
      await withTimeout(test.fn, limit, `test "${name}"`);
    } catch (err) {
      error = err ?? new Error('threw undefined');
    }
    // afterEach runs even after a failure (it usually releases what beforeEach made).
    for (const s of [...ancestors].reverse()) {
      for (const hook of s.afterEach) {
        try {
          await withTimeout(hook, limit, `afterEach of "${name}"`);
        } catch (err) {
          error ??= err ?? new Error('afterEach threw undefined');
        }
      }
    }
    if (error === undefined) record({ name, status: 'passed', ms: now() - t0 });
    else record({ name, status: 'failed', error: describeError(error), ms: now() - t0 });
  }

  async function runSuite(suite: Suite, path: string[], skipped: boolean, inheritedError: unknown): Promise<void> {
    const skip = skipped || suite.skip;
    let setupError = inheritedError;
    if (!skip && setupError === undefined) {
      try {
        for (const hook of suite.beforeAll) await withTimeout(hook, timeoutMs, `beforeAll of "${path.join(' > ')}"`);
      } catch (err) {
        setupError = err ?? new Error('beforeAll threw undefined');
      }
    }
    ancestors.push(suite);
    try {
      for (const child of suite.children) {
        if (child.kind === 'suite') await runSuite(child, [...path, child.name], skip, setupError);
        else await runTest(child, path, skip, setupError);
      }
    } finally {
      ancestors.pop();
    }
    if (skip) return;
    for (const hook of suite.afterAll) {
      try {
        await withTimeout(hook, timeoutMs, `afterAll of "${path.join(' > ')}"`);
      } catch (err) {
        record({ name: `${path.join(' > ')} (afterAll)`, status: 'failed', error: describeError(err), ms: 0 });
      }
    }
  }

  await runSuite(root, [], false, undefined);
  summary.ms = now() - started;
  return summary;
}
