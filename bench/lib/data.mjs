// Deterministic benchmark inputs: identical for every engine, no Math.random.

export function randomData(size, seed, scale = 1) {
  const a = new Float32Array(size);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    a[i] = (state / 2 ** 31 - 1) * scale;
  }
  return a;
}

export function mapValues(obj, f) {
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, f(v, k)]));
}
