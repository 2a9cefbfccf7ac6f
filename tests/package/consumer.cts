// The same package from a CommonJS TypeScript file (require condition, dist/index.d.cts).
import dcd = require('dcd-wasm');
import slim = require('dcd-wasm/slim');

const m: dcd.Backend = dcd.initSync({ backend: 'js' });
const pending: Promise<slim.Backend> = slim.init({ wasm: (file) => `/assets/${file}` });
// @ts-expect-error: tensor() needs a shape
m.tensor(new Float32Array(4));

export = { m, pending };
