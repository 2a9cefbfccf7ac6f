/**
 * Deep equality with vitest's toEqual semantics (properties that are undefined are ignored,
 * typed arrays compare element-wise with Object.is) and the subset match of toMatchObject.
 */
function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object';
}

function definedKeys(o: Record<string, unknown>): string[] {
  return Object.keys(o).filter((k) => o[k] !== undefined);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (!isObject(a) || !isObject(b)) return false;
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b) || a.constructor !== b.constructor) return false;
    const x = a as unknown as ArrayLike<unknown>;
    const y = b as unknown as ArrayLike<unknown>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
    return true;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (a instanceof Map || a instanceof Set) return deepEqual([...a], [...(b as unknown as Iterable<unknown>)]);
  const keysA = definedKeys(a);
  const keysB = definedKeys(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
}

/** True when every property of `expected` (recursively) is present and equal in `actual`. */
export function matchesObject(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length &&
      expected.every((v, i) => matchesObject(actual[i], v));
  }
  if (!isObject(expected) || ArrayBuffer.isView(expected)) return deepEqual(actual, expected);
  if (!isObject(actual)) return false;
  return Object.keys(expected).every((k) => k in actual && matchesObject(actual[k], expected[k]));
}
