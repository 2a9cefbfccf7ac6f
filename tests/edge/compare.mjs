/**
 * Compares one case's outputs from workerd with the js backend's in Node. The error of a tensor is
 * normwise, max|a − b| / max|b|: elementwise ratios blow up on entries that are ~0 by cancellation,
 * which says nothing about the kernel.
 */
export const MAX_REL_ERR = 1e-4;

export function relativeError(actual, expected) {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

/** Returns a list of problems (empty = match) for outputs { name: { shape, data } }. */
export function compareOutputs(actual, expected) {
  const problems = [];
  for (const [name, want] of Object.entries(expected)) {
    const got = actual?.[name];
    if (!got) {
      problems.push(`${name}: missing`);
      continue;
    }
    if (JSON.stringify(got.shape) !== JSON.stringify(want.shape) || got.data.length !== want.data.length) {
      problems.push(`${name}: shape [${got.shape}] (${got.data.length} values), expected [${want.shape}]`);
      continue;
    }
    if (!got.data.every(Number.isFinite)) {
      problems.push(`${name}: non-finite values`);
      continue;
    }
    const err = relativeError(got.data, want.data);
    if (!(err <= MAX_REL_ERR)) problems.push(`${name}: max rel err ${err.toExponential(2)} > ${MAX_REL_ERR}`);
  }
  return problems;
}
