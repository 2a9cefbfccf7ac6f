// Correctness gate: every engine's outputs are compared with the reference engine's before timing,
// so a fast but wrong kernel can never produce a benchmark figure.

/** max |a − b| / max(|b|) over all entries of each named output. */
export function maxRelativeError(outputs, reference) {
  let worst = 0;
  for (const key of Object.keys(reference)) {
    const a = outputs[key], b = reference[key];
    if (!a || a.length !== b.length) return Infinity;
    let maxDiff = 0, maxRef = 0;
    for (let i = 0; i < b.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
      maxRef = Math.max(maxRef, Math.abs(b[i]));
    }
    worst = Math.max(worst, maxDiff / (maxRef || 1));
  }
  return worst;
}
