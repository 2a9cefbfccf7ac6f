// dcd-wasm in Deno: the same bundle and API as in Node; no permission flags needed, because the wasm
// is embedded in dist/index.js (nothing is read from disk or fetched).
//
//   npm run build && deno run examples/deno.ts          (or node_modules/.bin/deno from this repo)
//
// The @ts-types line gives Deno the bundle's type declarations (one self-contained file). To type-check:
//   deno check examples/deno.ts
// @ts-types="../dist/index.d.ts"
import { initSync, type Tensor } from '../dist/index.js';

// Deno compiles wasm synchronously, so initSync() works at top level (init() works too).
const m = initSync();
console.log(`Deno ${Deno.version.deno}, backend ${m.info().backend}`);

// A small depthwise 3×3 convolution (groups = channels), stride 2, as in MobileNet.
const [N, C, H, W] = [1, 4, 8, 8];
const values = (n: number, f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));

const result = m.scope(() => {
  const x = m.tensor(values(N * C * H * W, (i) => Math.sin(i)), [N, C, H, W]);
  const w = m.tensor(values(C * 9, (i) => (i % 9) / 9), [C, 1, 3, 3]);
  const y: Tensor = m.conv2d(x, w, { stride: 2, padding: 1, groups: C });

  // Gradient of L = ½‖y‖² is dy = y.
  const { dx, dw } = m.conv2dBackward(x, w, y, { stride: 2, padding: 1, groups: C, needs: { db: false } });
  const sumSq = (t: Tensor) => t.data.reduce((s, v) => s + v * v, 0);
  return { yShape: y.shape, loss: sumSq(y) / 2, dxNorm: Math.sqrt(sumSq(dx!)), dwNorm: Math.sqrt(sumSq(dw!)) };
});

console.log('y shape:', result.yShape);                  // [1, 4, 4, 4]
console.log('loss:', result.loss.toFixed(4));
console.log('|dx|:', result.dxNorm.toFixed(4), '|dw|:', result.dwNorm.toFixed(4));
console.log('live tensors:', m.info().liveTensors);        // 0: scope() freed everything
