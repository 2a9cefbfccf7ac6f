// A TypeScript consumer of the packed package (ESM). Type-checked by tools/check-package.mjs under
// bundler, node16 and nodenext resolution with skipLibCheck: false. The @ts-expect-error lines prove
// the API is typed (were it `any`, they would be unused and fail the check).
import { BackendError, init, initSync, type Backend, type Tensor, type WasmFile } from 'dcd-wasm';
import * as slim from 'dcd-wasm/slim';
import simdWasm from 'dcd-wasm/dcd-simd.wasm';

const m: Backend = initSync();
const x: Tensor = m.tensor(new Float32Array(1 * 2 * 4 * 4), [1, 2, 4, 4]);
const w = m.tensor(new Float32Array(3 * 2 * 3 * 3), [3, 2, 3, 3]);
const y: Tensor = m.conv2d(x, w, { padding: 1, stride: 1 });
const shape: readonly number[] = y.shape;
const threads: number = m.info().threads;

const fromUrl: Promise<Backend> = init({ wasm: simdWasm });
// the slim entry is a separate bundle: its own classes and types
const fromSlim: Promise<slim.Backend> = slim.init({ wasm: (file: WasmFile) => `/assets/${file}` });
const sameError: boolean = new BackendError('x') instanceof Error;

// @ts-expect-error: an unknown backend name is a type error
void init({ backend: 'wasm-gpu' });
// @ts-expect-error: conv2d returns a Tensor, not a number
const wrong: number = m.conv2d(x, w);

export { fromSlim, fromUrl, sameError, shape, threads, wrong };
