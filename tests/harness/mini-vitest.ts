/**
 * A small, runtime-neutral stand-in for the part of 'vitest' the binding suites use. The Deno and
 * Chromium bundles alias 'vitest' to this file (tests/runners/bundle.mjs); under Node the real
 * vitest runs the same files. Keep the exported surface a strict subset of vitest's.
 */
import {
  addAfterAll, addAfterEach, addBeforeAll, addBeforeEach, addSuite, addTest, type HookFn, type TestFn,
} from './registry';

export { expect } from './expect';

type Row = unknown;

/** vitest's printf-style titles for .each: %s %d %i %f %j %o %%, or $name for object rows. */
function title(template: string, row: Row, index: number): string {
  const args = Array.isArray(row) ? [...row] : [row];
  let text = template.replace(/%([sdifjo%#])/g, (whole, flag: string) => {
    if (flag === '%') return '%';
    if (flag === '#') return String(index);
    const value = args.shift();
    if (flag === 'd' || flag === 'i') return String(Math.trunc(Number(value)));
    if (flag === 'f') return String(Number(value));
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
  if (row && typeof row === 'object' && !Array.isArray(row)) {
    text = text.replace(/\$(\w+)/g, (whole, key: string) => String((row as Record<string, unknown>)[key]));
  }
  return text;
}

function eachOf<F>(register: (name: string, fn: F) => void) {
  return (rows: readonly Row[]) => (template: string, fn: (...args: never[]) => unknown) => {
    rows.forEach((row, i) => {
      const args = Array.isArray(row) ? row : [row];
      register(title(template, row, i), (() => (fn as (...a: unknown[]) => unknown)(...args)) as F);
    });
  };
}

function makeIt() {
  const it = (name: string, fn?: TestFn, timeoutMs?: number) => addTest(name, fn, false, timeoutMs);
  it.skip = (name: string, fn?: TestFn, _timeoutMs?: number) => addTest(name, fn, true);
  it.todo = (name: string) => addTest(name, undefined, true);
  it.skipIf = (condition: unknown) => (condition ? it.skip : it);
  it.runIf = (condition: unknown) => (condition ? it : it.skip);
  it.each = eachOf<TestFn>((name, fn) => addTest(name, fn, false));
  return it;
}

export const it = makeIt();
export const test = it;

export const describe = Object.assign(
  (name: string, body: () => void) => addSuite(name, body, false),
  {
    skip: (name: string, body: () => void) => addSuite(name, body, true),
    skipIf: (condition: unknown) => (name: string, body: () => void) => addSuite(name, body, !!condition),
    each: eachOf<() => void>((name, body) => addSuite(name, body, false)),
  },
);

export function beforeAll(fn: HookFn): void {
  addBeforeAll(fn);
}

export function afterAll(fn: HookFn): void {
  addAfterAll(fn);
}

export function beforeEach(fn: HookFn): void {
  addBeforeEach(fn);
}

export function afterEach(fn: HookFn): void {
  addAfterEach(fn);
}

export { run, type RunSummary, type TestResult } from './runner';
export { enterFile } from './registry';
