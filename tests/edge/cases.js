/**
 * The computations the edge test compares: the worker runs them on a wasm backend inside workerd,
 * tests/runners/workerd.mjs runs the SAME functions on the js backend in Node. Plain ESM with no
 * runtime-specific API, so both sides import this one file. Inputs are seeded, so both sides see
 * identical numbers; results are plain arrays so they survive JSON.
 */

/** Deterministic values in [-1, 1): a 32-bit LCG, so no Math.random difference between runtimes. */
export function seededValues(count, seed) {
  const out = new Float32Array(count);
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

const size = (shape) => shape.reduce((a, b) => a * b, 1);
const seededTensor = (m, shape, seed) => m.tensor(seededValues(size(shape), seed), shape);
const plain = (t) => ({ shape: [...t.shape], data: Array.from(t.data) });

const CONV = { stride: 2, padding: 1, dilation: 1, groups: 1 };

function conv2dForward(m) {
  const x = seededTensor(m, [2, 3, 9, 9], 1);
  const w = seededTensor(m, [4, 3, 3, 3], 2);
  const bias = seededTensor(m, [4], 3);
  return { y: plain(m.conv2d(x, w, { ...CONV, bias })) };
}

function conv2dBackward(m) {
  const x = seededTensor(m, [2, 3, 9, 9], 1);
  const w = seededTensor(m, [4, 3, 3, 3], 2);
  const dy = seededTensor(m, [2, 4, 5, 5], 4);
  const { dx, dw, db } = m.conv2dBackward(x, w, dy, { ...CONV, bias: true });
  return { dx: plain(dx), dw: plain(dw), db: plain(db) };
}

function linear(m) {
  const x = seededTensor(m, [3, 8], 5);
  const w = seededTensor(m, [6, 8], 6);
  const b = seededTensor(m, [6], 7);
  const y = m.linear(x, w, b);
  const { dx, dw, db } = m.linearBackward(x, w, seededTensor(m, [3, 6], 8), { bias: true });
  return { y: plain(y), dx: plain(dx), dw: plain(dw), db: plain(db) };
}

/** Layer cases run only when the bundle exports the layer class (they are not public in every build). */
function dynamicConv2dLayer(m, lib) {
  const layer = new lib.DynamicConv2d(m, {
    inChannels: 4, outChannels: 6, kernelSize: 3, padding: 1, kernels: 3, temperature: 1, seed: 11,
  });
  try {
    return { y: plain(layer.forward(seededTensor(m, [2, 4, 6, 6], 12))) };
  } finally {
    layer.dispose();
  }
}

function dcdConv2dLayer(m, lib) {
  const layer = new lib.DCDConv2d(m, { inChannels: 8, outChannels: 8, kernelSize: 3, padding: 1, seed: 13 });
  try {
    layer.eval(); // running statistics: the output depends on the weights and x only
    return { y: plain(layer.forward(seededTensor(m, [2, 8, 6, 6], 14))) };
  } finally {
    layer.dispose();
  }
}

/** name → { run(m, lib), needs?: export the bundle must have }. */
export const CASES = {
  conv2dForward: { run: conv2dForward },
  conv2dBackward: { run: conv2dBackward },
  linear: { run: linear },
  dynamicConv2dLayer: { run: dynamicConv2dLayer, needs: 'DynamicConv2d' },
  dcdConv2dLayer: { run: dcdConv2dLayer, needs: 'DCDConv2d' },
};

/**
 * Runs every case on backend `m`; `lib` is the dcd-wasm module namespace (for layer classes).
 * Returns name → { outputs } | { skipped: reason } | { error: message }; every tensor is disposed.
 */
export function runCases(m, lib) {
  const results = {};
  for (const [name, { run, needs }] of Object.entries(CASES)) {
    if (needs && typeof lib[needs] !== 'function') {
      results[name] = { skipped: `this bundle does not export ${needs}` };
      continue;
    }
    try {
      results[name] = { outputs: m.scope(() => run(m, lib)) };
    } catch (e) {
      results[name] = { error: String(e?.stack ?? e) };
    }
  }
  return results;
}
