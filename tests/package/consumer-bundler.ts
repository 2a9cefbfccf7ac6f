// moduleResolution "bundler" (Vite, webpack, esbuild setups): the ESM types and the .wasm subpath.
import { init, type Backend } from 'dcd-wasm';
import { init as initSlim, type Backend as SlimBackend } from 'dcd-wasm/slim';
import relaxed from 'dcd-wasm/dcd-relaxed-simd.wasm';

export const a: Promise<Backend> = init({ wasm: relaxed });
export const b: Promise<SlimBackend> = initSlim({ wasm: (file) => new URL(file, 'https://cdn.example/dcd-wasm/') });
// @ts-expect-error: threads takes a number or 'auto'
void init({ threads: 'many' });
