/**
 * Self-test of the matcher subset. Under Node this runs against the real vitest, under Deno and
 * Chromium against tests/harness/mini-vitest.ts: passing in all three shows the two agree.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

class CustomError extends Error {}

describe('harness: matchers', () => {
  it('toBe / toEqual / toMatchObject', () => {
    expect(1 + 1).toBe(2);
    expect(Number.NaN).toBe(Number.NaN);
    expect({ a: [1, 2], b: undefined }).toEqual({ a: [1, 2] });
    expect(new Float32Array([1, 2])).toEqual(new Float32Array([1, 2]));
    expect(new Float32Array([1, 2])).not.toEqual(new Float32Array([1, 3]));
    expect({ a: 1, b: { c: 2, d: 3 } }).toMatchObject({ b: { c: 2 } });
    expect({ a: 1 }).not.toMatchObject({ a: 2 });
  });

  it('numeric comparisons and toBeCloseTo', () => {
    expect(0.1 + 0.2).toBeCloseTo(0.3, 10);
    expect(1.004).toBeCloseTo(1, 2);
    expect(1.006).not.toBeCloseTo(1, 2);
    expect(1).toBeLessThan(2);
    expect(2).toBeLessThanOrEqual(2);
    expect(3).toBeGreaterThan(2);
    expect(3).toBeGreaterThanOrEqual(3);
  });

  it('truthiness, definedness, length, instanceOf', () => {
    expect(1).toBeTruthy();
    expect('').toBeFalsy();
    expect(0).toBeDefined();
    expect(undefined).toBeUndefined();
    expect(null).toBeNull();
    expect([1, 2, 3]).toHaveLength(3);
    expect('weight has 3 channels').toMatch(/has \d channels/);
    expect('weight has 3 channels').not.toMatch('bias');
    expect(new CustomError('x')).toBeInstanceOf(Error);
    expect([]).not.toBeInstanceOf(Error);
  });

  it('toThrow with class, regex, string', () => {
    const boom = () => {
      throw new CustomError('weight has 3 channels');
    };
    expect(boom).toThrow();
    expect(boom).toThrow(CustomError);
    expect(boom).toThrow(/3 channels/);
    expect(boom).toThrow('weight has');
    expect(boom).not.toThrow(TypeError);
    expect(() => 1).not.toThrow();
  });

  it('a failing matcher throws', () => {
    expect(() => expect(1).toBe(2)).toThrow();
    expect(() => expect(() => 1).toThrow()).toThrow();
    expect(() => expect([1]).toHaveLength(2)).toThrow();
  });

  it('async tests and .rejects / .resolves', async () => {
    await expect(Promise.reject(new CustomError('nope'))).rejects.toThrow(/nope/);
    await expect(Promise.reject(new CustomError('nope'))).rejects.toBeInstanceOf(CustomError);
    await expect(Promise.resolve(3)).resolves.toBe(3);
  });
});

describe('harness: hooks', () => {
  const calls: string[] = [];
  beforeAll(async () => {
    await new Promise((r) => setTimeout(r, 1));
    calls.push('before');
  });
  afterAll(() => {
    calls.push('after');
  });
  it('beforeAll ran once before the tests', () => {
    expect(calls).toEqual(['before']);
  });
  describe('each-hooks', () => {
    beforeEach(() => {
      calls.push('beforeEach');
    });
    afterEach(() => {
      calls.push('afterEach');
    });
    it('first', () => {
      expect(calls).toEqual(['before', 'beforeEach']);
    });
    it('second: afterEach ran after the first test', () => {
      expect(calls).toEqual(['before', 'beforeEach', 'afterEach', 'beforeEach']);
    });
  });
  it.skip('skipped tests do not run', () => {
    throw new Error('must not run');
  });
  describe.skip('skipped suites do not run', () => {
    it('inner', () => {
      throw new Error('must not run');
    });
  });
});
