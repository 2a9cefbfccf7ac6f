#!/usr/bin/env node
// dcd-wasm in Node: tensors, a conv2d forward + backward, and memory management with scope()/dispose().
//
//   npm run build && node examples/node-basic.mjs
//
// In your own project, import from 'dcd-wasm' instead of '../dist/index.js'.
import { init, ShapeError } from '../dist/index.js';

// init() picks the WASM SIMD build where the runtime has SIMD (Node 20 does), else the scalar build.
// The wasm is embedded in the bundle, so there is no file to locate.
const m = await init();
console.log('backend:', m.info().backend);

// Tensors are float32, NCHW, created from a Float32Array or plain numbers plus a shape.
// A 1×1×4×4 image and two 3×3 filters (weights as PyTorch: (Cout, Cin/groups, kh, kw)).
const x = m.tensor(Array.from({ length: 16 }, (_, i) => i), [1, 1, 4, 4]);
const w = m.tensor([
  0, 0, 0, 0, 1, 0, 0, 0, 0, // identity
  1, 1, 1, 1, 1, 1, 1, 1, 1, // 3×3 box sum
], [2, 1, 3, 3]);
const b = m.tensor([0, 0.5], [2]);

// Same options as torch.nn.functional.conv2d: stride, padding ('same' / 'valid' too), dilation, groups.
const y = m.conv2d(x, w, { bias: b, padding: 1 });
console.log('y shape:', y.shape);                        // [1, 2, 4, 4]
console.log('y[0,0] (identity):', Array.from(y.data.subarray(0, 4))); // first row of x: 0 1 2 3
console.log('y[0,1] row 0 (box sum + 0.5):', Array.from(y.data.subarray(16, 20)));

// Backward: given dL/dy, get dL/dx, dL/dw and dL/db. With L = sum(y), dL/dy is all ones.
const dy = m.tensor(new Float32Array(y.size).fill(1), y.shape);
const { dx, dw, db } = m.conv2dBackward(x, w, dy, { padding: 1, bias: true });
console.log('dx shape:', dx.shape, 'dw shape:', dw.shape, 'db:', Array.from(db.data)); // db = 16 per channel

// `.data` of a wasm tensor is a view into wasm memory: read it right away, or copy it with toFloat32Array()
// if you keep it (memory growth replaces the underlying buffer).
const kept = dw.toFloat32Array();

// Tensors live in wasm memory until disposed: dispose() each one when done...
for (const t of [x, w, b, y, dy, dx, dw, db]) t.dispose();
console.log('live tensors after dispose():', m.info().liveTensors); // 0

// ...or let scope() do it: everything created inside is freed except what the callback returns.
const loss = m.scope(() => {
  const a = m.tensor(kept, [2, 1, 3, 3]);
  const img = m.tensor(new Float32Array(64).fill(1), [1, 1, 8, 8]);
  const out = m.conv2d(img, a, { padding: 'same' });
  return out.data.reduce((s, v) => s + v, 0);       // a plain number: nothing is kept alive
});
console.log('loss:', loss, '| live tensors after scope():', m.info().liveTensors); // 0

// Mistakes throw typed errors that name the argument; the module stays usable afterwards.
try {
  m.scope(() => m.conv2d(m.zeros([1, 3, 8, 8]), m.zeros([4, 2, 3, 3])));
} catch (e) {
  if (!(e instanceof ShapeError)) throw e;
  console.log(`caught ${e.name} (${e.code}): ${e.message}`);
}
