/**
 * expect(): the subset of vitest's matchers the binding suites use, with the same semantics, so
 * the suites behave identically under vitest (Node) and under this harness (Deno, Chromium).
 */
import { deepEqual, matchesObject } from './equality';
import { formatValue as fmt } from './format';

export class AssertionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AssertionError';
  }
}

type Ctor = abstract new (...args: never[]) => unknown;
type ThrowExpectation = undefined | string | RegExp | Ctor | Error;

/** What toThrow saw: the thrown value, or `noThrow` when the function returned normally. */
const noThrow = Symbol('noThrow');

function thrownBy(actual: unknown, fromRejection: boolean): unknown {
  if (fromRejection) return actual;
  if (typeof actual !== 'function') throw new AssertionError(`toThrow expects a function, got ${fmt(actual)}`);
  try {
    (actual as () => unknown)();
  } catch (err) {
    return err;
  }
  return noThrow;
}

function throwMatches(thrown: unknown, expected: ThrowExpectation): boolean {
  if (thrown === noThrow) return false;
  if (expected === undefined) return true;
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  if (typeof expected === 'string') return message.includes(expected);
  if (expected instanceof RegExp) return expected.test(message);
  if (expected instanceof Error) return message === expected.message;
  return thrown instanceof (expected as unknown as new () => unknown);
}

function describeExpectation(expected: ThrowExpectation): string {
  if (typeof expected === 'function') return `an instance of ${expected.name}`;
  return expected === undefined ? 'an error' : `an error matching ${fmt(expected)}`;
}

interface Check { pass: boolean; message: string }

function buildMatchers(actual: unknown, negated: boolean, fromRejection: boolean, label?: string) {
  const not = negated ? 'not ' : '';
  const assert = ({ pass, message }: Check): void => {
    if (pass === negated) throw new AssertionError(label ? `${label}: ${message}` : message);
  };
  const compare = (name: string, ok: (a: number, b: number) => boolean) => (expected: number | bigint) => assert({
    pass: ok(actual as number, expected as number),
    message: `expected ${fmt(actual)} ${not}${name} ${fmt(expected)}`,
  });
  return {
    toBe: (expected: unknown) => assert({
      pass: Object.is(actual, expected),
      message: `expected ${fmt(actual)} ${not}to be ${fmt(expected)}`,
    }),
    toEqual: (expected: unknown) => assert({
      pass: deepEqual(actual, expected),
      message: `expected ${fmt(actual)} ${not}to equal ${fmt(expected)}`,
    }),
    toStrictEqual: (expected: unknown) => assert({
      pass: deepEqual(actual, expected),
      message: `expected ${fmt(actual)} ${not}to strictly equal ${fmt(expected)}`,
    }),
    toMatchObject: (expected: object) => assert({
      pass: matchesObject(actual, expected),
      message: `expected ${fmt(actual)} ${not}to match object ${fmt(expected)}`,
    }),
    toBeCloseTo: (expected: number, digits = 2) => {
      const a = actual as number;
      const pass = a === expected || Math.abs(a - expected) < 10 ** -digits / 2;
      assert({ pass, message: `expected ${fmt(actual)} ${not}to be close to ${expected} (${digits} digits)` });
    },
    toBeLessThan: compare('to be less than', (a, b) => a < b),
    toBeLessThanOrEqual: compare('to be less than or equal to', (a, b) => a <= b),
    toBeGreaterThan: compare('to be greater than', (a, b) => a > b),
    toBeGreaterThanOrEqual: compare('to be greater than or equal to', (a, b) => a >= b),
    toBeTruthy: () => assert({ pass: !!actual, message: `expected ${fmt(actual)} ${not}to be truthy` }),
    toBeFalsy: () => assert({ pass: !actual, message: `expected ${fmt(actual)} ${not}to be falsy` }),
    toBeDefined: () => assert({ pass: actual !== undefined, message: `expected ${fmt(actual)} ${not}to be defined` }),
    toBeUndefined: () => assert({ pass: actual === undefined, message: `expected ${fmt(actual)} ${not}to be undefined` }),
    toBeNull: () => assert({ pass: actual === null, message: `expected ${fmt(actual)} ${not}to be null` }),
    toBeNaN: () => assert({ pass: Number.isNaN(actual), message: `expected ${fmt(actual)} ${not}to be NaN` }),
    toBeInstanceOf: (ctor: Ctor) => assert({
      pass: actual instanceof (ctor as unknown as new () => unknown),
      message: `expected ${fmt(actual)} ${not}to be an instance of ${ctor.name}`,
    }),
    toHaveLength: (length: number) => {
      const got = (actual as { length?: unknown } | null | undefined)?.length;
      assert({ pass: got === length, message: `expected ${fmt(actual)} (length ${fmt(got)}) ${not}to have length ${length}` });
    },
    toMatch: (pattern: RegExp | string) => {
      const text = String(actual);
      const pass = typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text);
      assert({ pass, message: `expected ${fmt(actual)} ${not}to match ${fmt(pattern)}` });
    },
    toContain: (item: unknown) => {
      const pass = typeof actual === 'string'
        ? actual.includes(item as string)
        : Array.from(actual as Iterable<unknown>).some((v) => Object.is(v, item));
      assert({ pass, message: `expected ${fmt(actual)} ${not}to contain ${fmt(item)}` });
    },
    toThrow: (expected?: ThrowExpectation) => {
      const thrown = thrownBy(actual, fromRejection);
      const got = thrown === noThrow ? 'it did not throw' : `it threw ${fmt(thrown)}`;
      assert({ pass: throwMatches(thrown, expected), message: `expected ${not}to throw ${describeExpectation(expected)}, but ${got}` });
    },
    toThrowError: (expected?: ThrowExpectation) => {
      const thrown = thrownBy(actual, fromRejection);
      const got = thrown === noThrow ? 'it did not throw' : `it threw ${fmt(thrown)}`;
      assert({ pass: throwMatches(thrown, expected), message: `expected ${not}to throw ${describeExpectation(expected)}, but ${got}` });
    },
  };
}

type SyncMatchers = ReturnType<typeof buildMatchers>;
type AsyncMatchers = { [K in keyof SyncMatchers]: (...args: Parameters<SyncMatchers[K]>) => Promise<void> };

/** `.resolves` / `.rejects`: settle the promise first, then apply the matcher to its outcome. */
function settledMatchers(promise: unknown, expectRejection: boolean, negated: boolean, label?: string): AsyncMatchers {
  const names = Object.keys(buildMatchers(undefined, false, false)) as Array<keyof SyncMatchers>;
  const out = {} as Record<string, (...args: unknown[]) => Promise<void>>;
  for (const name of names) {
    out[name] = async (...args: unknown[]) => {
      let value: unknown;
      let rejected = false;
      try {
        value = await promise;
      } catch (reason) {
        value = reason;
        rejected = true;
      }
      if (rejected !== expectRejection) {
        throw new AssertionError((label ? `${label}: ` : '') + (expectRejection
          ? `expected promise to reject, but it resolved to ${fmt(value)}`
          : `expected promise to resolve, but it rejected with ${fmt(value)}`));
      }
      const matcher = buildMatchers(value, negated, expectRejection, label)[name] as (...a: unknown[]) => void;
      matcher(...args);
    };
  }
  return out as unknown as AsyncMatchers;
}

/** `label` is vitest's optional second argument: a message prefixed to any failure. */
export function expect(actual: unknown, label?: string) {
  return {
    ...buildMatchers(actual, false, false, label),
    not: buildMatchers(actual, true, false, label),
    get resolves() {
      return { ...settledMatchers(actual, false, false, label), not: settledMatchers(actual, false, true, label) };
    },
    get rejects() {
      return { ...settledMatchers(actual, true, false, label), not: settledMatchers(actual, true, true, label) };
    },
  };
}
