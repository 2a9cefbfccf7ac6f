/**
 * Bindings runtime self-check: loading each build, tensors, memory growth, dispose/scope
 * bookkeeping, and a typed error for each kind of bad input with the module usable afterwards.
 * Runs unchanged under vitest (Node), Deno and Chromium: no Node APIs here.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { RELAXED_SIMD_WASM_BASE64, SCALAR_WASM_BASE64, SIMD_WASM_BASE64 } from 'virtual:dcd-wasm/embedded';
import {
  BackendError, DcdError, DisposedTensorError, DTypeError, init, initSync, OptionError, OutOfMemoryError,
  relaxedSimdSupported, ShapeError, Tensor, type Backend,
} from '../../bindings/index';
import { BACKENDS } from '../harness/backends';
// Internal: the wasm allocator is tested directly on a bare WebAssembly.Memory.
import { Allocator } from '../../bindings/backends/wasm/allocator';

const bytesOf = (base64: string): Uint8Array<ArrayBuffer> => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

/** fn must throw `type` with a message containing every fragment. */
function expectError(fn: () => unknown, type: new (message: string) => DcdError, ...fragments: string[]): void {
  const e = errorOf(fn);
  expect(e).toBeInstanceOf(type);
  for (const f of fragments) expect((e as Error).message).toContain(f);
}

/** Deterministic data in [-1, 1). */
const ramp = (n: number, seed = 1): Float32Array =>
  Float32Array.from({ length: n }, (_, i) => (((i * 37 + seed * 11) % 29) / 14.5) - 1);

describe('loading', () => {
  it('initialises the SIMD and scalar builds, async and sync, from the embedded bytes', async () => {
    const simd = await init({ backend: 'wasm-simd' });
    expect(simd.info().backend).toBe('wasm-simd');
    expect(simd.info().simd).toBe(true);
    expect(simd.info().wasmSource).toBe('embedded');
    const scalar = initSync({ backend: 'wasm-scalar' });
    expect(scalar.info().backend).toBe('wasm-scalar');
    expect(scalar.info().simd).toBe(false);
    expect(scalar.info().threads).toBe(1);
    // every supported runtime has SIMD; relaxed SIMD is preferred where it validates
    expect((await init()).info().backend).toBe(relaxedSimdSupported() ? 'wasm-relaxed-simd' : 'wasm-simd');
    expect(initSync({ backend: 'js' }).info().backend).toBe('js');
  });

  it('accepts user-supplied bytes and modules and reports which build they are', async () => {
    const fromBytes = await init({ wasm: bytesOf(SCALAR_WASM_BASE64) });
    expect(fromBytes.info().backend).toBe('wasm-scalar');
    expect(fromBytes.info().wasmSource).toBe('bytes');
    const module = new WebAssembly.Module(bytesOf(SIMD_WASM_BASE64));
    const fromModule = initSync({ backend: 'wasm-simd', wasm: module });
    expect(fromModule.info().wasmSource).toBe('module');
    expect(fromModule.info().simd).toBe(true);
    const fromBuffer = initSync({ wasm: bytesOf(SIMD_WASM_BASE64).buffer as ArrayBuffer });
    expect(fromBuffer.info().backend).toBe('wasm-simd');
    const fromResponse = await init({ wasm: new Response(bytesOf(SCALAR_WASM_BASE64)) });
    expect(fromResponse.info().wasmSource).toBe('response');
    expect(fromResponse.info().backend).toBe('wasm-scalar');
    const fromPromise = await init({ wasm: Promise.resolve(new Response(bytesOf(SIMD_WASM_BASE64))) });
    expect(fromPromise.info().wasmSource).toBe('response');
    expect(fromPromise.info().backend).toBe('wasm-simd');
    const notFound = await init({ wasm: new Response('missing', { status: 404 }) }).catch((err: unknown) => err);
    expect(notFound).toBeInstanceOf(BackendError);
    expect((notFound as Error).message).toContain('HTTP 404');
  });

  it('loads the relaxed-SIMD build where the runtime has relaxed SIMD, and says why not elsewhere', async () => {
    if (!relaxedSimdSupported()) {
      expectError(() => initSync({ backend: 'wasm-relaxed-simd' }), BackendError, 'relaxed SIMD', "'wasm-simd'");
      expect(WebAssembly.validate(bytesOf(RELAXED_SIMD_WASM_BASE64))).toBe(false);
      return;
    }
    const relaxed = await init({ backend: 'wasm-relaxed-simd' });
    expect(relaxed.info().backend).toBe('wasm-relaxed-simd');
    expect(relaxed.info().simd).toBe(true);
    expect(relaxed.info().wasmSource).toBe('embedded');
    const fromBytes = initSync({ wasm: bytesOf(RELAXED_SIMD_WASM_BASE64) });
    expect(fromBytes.info().backend).toBe('wasm-relaxed-simd');
    expect(fromBytes.info().wasmSource).toBe('bytes');
    expectError(() => initSync({ backend: 'wasm-simd', wasm: bytesOf(RELAXED_SIMD_WASM_BASE64) }), BackendError,
      'relaxed-SIMD build');
    expectError(() => initSync({ backend: 'wasm-relaxed-simd', wasm: bytesOf(SIMD_WASM_BASE64) }), BackendError,
      "'wasm-relaxed-simd'", 'SIMD build');
  });

  it('rejects a build that does not match the requested backend', async () => {
    const scalarBytes = bytesOf(SCALAR_WASM_BASE64);
    const e = await init({ backend: 'wasm-simd', wasm: scalarBytes }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(BackendError);
    expect((e as Error).message).toContain('scalar build');
    expectError(() => initSync({ backend: 'wasm-scalar', wasm: bytesOf(SIMD_WASM_BASE64) }), BackendError, 'SIMD build');
  });

  it('reports bad wasm and bad options as typed errors', async () => {
    expectError(() => initSync({ wasm: new Uint8Array([1, 2, 3]) }), BackendError, 'could not compile');
    // A valid module that is not a dcd-wasm build (no exports).
    const empty = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);
    expectError(() => initSync({ wasm: empty }), BackendError, 'not a dcd-wasm build');
    expectError(() => initSync({ wasm: 'https://example.invalid/x.wasm' }), BackendError, 'synchronously');
    expectError(() => initSync({ backend: 'gpu' as never }), OptionError, 'backend', "'wasm-simd'");
    expectError(() => initSync({ backend: 'js', wasm: empty }), OptionError, "'js'");
    expectError(() => initSync({ wasm: 42 as never }), OptionError, 'wasm must be');
    expectError(() => initSync({ backnd: 'js' } as never), OptionError, "unknown option 'backnd'");
    const rejected = await init({ wasm: Promise.reject(new Error('offline')) }).catch((err: unknown) => err);
    expect(rejected).toBeInstanceOf(BackendError);
    expect((rejected as Error).message).toContain('offline');
  });
});

describe('wasm allocator', () => {
  it('aligns to 64, reuses holes first-fit, coalesces, and survives an impossible request', () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const heap = new Allocator(memory, 100);
    expect(heap.heapStart).toBe(128);
    const a = heap.alloc(10);
    const b = heap.alloc(200);
    const c = heap.alloc(64);
    expect([a, b, c]).toEqual([128, 192, 448]);
    heap.free(b);
    expect(heap.alloc(100)).toBe(192); // first fit: the hole b left
    expect(heap.alloc(64)).toBe(320); // the rest of that hole
    expect(heap.allocatedBytes).toBe(64 + 128 + 64 + 64);
    expectError(() => heap.alloc(5 * 2 ** 30), OutOfMemoryError, '4 GiB');
    for (const p of [a, 192, 320, c]) heap.free(p);
    expect(heap.allocatedBytes).toBe(0);
    // Everything coalesced: a block as large as all of the above starts at the heap start again.
    expect(heap.alloc(384)).toBe(128);
    // Growing: a 200 KiB block does not fit in 64 KiB; memory grows and the block is usable.
    const big = heap.alloc(200 * 1024);
    expect(memory.buffer.byteLength).toBeGreaterThanOrEqual(big + 200 * 1024);
    new Float32Array(memory.buffer, big, 50 * 1024).fill(1);
  });
});

for (const backend of BACKENDS) {
  describe(`${backend} backend runtime`, () => {
    let m: Backend;
    beforeAll(async () => {
      m = await init({ backend });
    });

    it('round-trips tensors from Float32Array and number[]', () => {
      const src = ramp(24);
      const a = m.tensor(src, [2, 3, 4]);
      expect(a).toBeInstanceOf(Tensor);
      expect(a.shape).toEqual([2, 3, 4]);
      expect(a.size).toBe(24);
      expect(a.dtype).toBe('float32');
      expect(Array.from(a.data)).toEqual(Array.from(src));
      const copy = a.toFloat32Array();
      copy[0] = 99;
      expect(a.data[0]).toBe(src[0]);
      const b = m.tensor([1.5, -2, 3], [3]);
      expect(Array.from(b.data)).toEqual([1.5, -2, 3]);
      const z = m.zeros([2, 2]);
      expect(Array.from(z.data)).toEqual([0, 0, 0, 0]);
      const scalar = m.tensor([7], []);
      expect(scalar.size).toBe(1);
      for (const t of [a, b, z, scalar]) t.dispose();
      expect(a.isDisposed).toBe(true);
      a.dispose(); // twice is harmless
    });

    it('keeps tensors valid when memory grows', () => {
      const before = m.info();
      const small = m.tensor(ramp(100, 3), [100]);
      const big = m.zeros([3 * 1024 * 1024]); // 12 MiB, more than the initial memory
      big.data[big.size - 1] = 5;
      expect(m.info().memoryBytes).toBeGreaterThanOrEqual(12 * 1024 * 1024);
      expect(Array.from(small.data)).toEqual(Array.from(ramp(100, 3)));
      expect(big.data[big.size - 1]).toBe(5);
      // Ops still read the right bytes after growth.
      const y = m.linear(m.tensor([1, 2], [1, 2]), m.tensor([3, 4], [1, 2]));
      expect(Array.from(y.data)).toEqual([11]);
      for (const t of [small, big, y]) t.dispose();
      expect(m.info().liveTensors).toBe(before.liveTensors + 2); // the two linear inputs
    });

    it('dispose and scope bring live counts back to the baseline', () => {
      const base = m.info();
      const kept = m.scope(() => {
        const x = m.tensor(ramp(2 * 3 * 5 * 5), [2, 3, 5, 5]);
        const w = m.tensor(ramp(4 * 3 * 3 * 3, 2), [4, 3, 3, 3]);
        const y = m.conv2d(x, w, { padding: 1 });
        const inner = m.scope(() => [m.zeros([3]), m.zeros([4])]);
        expect(inner.length).toBe(2);
        return { y, pair: inner };
      });
      expect(m.info().liveTensors).toBe(base.liveTensors + 3);
      expect(kept.y.shape).toEqual([2, 4, 5, 5]);
      kept.y.dispose();
      kept.pair.forEach((t) => t.dispose());
      // A throwing scope disposes everything it created.
      expect(errorOf(() => m.scope(() => { m.zeros([10]); throw new Error('boom'); }))).toBeInstanceOf(Error);
      expectError(() => m.scope((() => Promise.resolve(m.zeros([1]))) as never), OptionError, 'synchronous');
      expect(m.info().liveTensors).toBe(base.liveTensors);
      expect(m.info().allocatedBytes).toBe(base.allocatedBytes);
    });

    it('computes a small conv2d and linear correctly', () => {
      m.scope(() => {
        const x = m.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 3, 3]);
        const w = m.tensor([1, 1, 1, 1], [1, 1, 2, 2]);
        const y = m.conv2d(x, w, { bias: m.tensor([0.5], [1]) });
        expect(Array.from(y.data)).toEqual([12.5, 16.5, 24.5, 28.5]);
        const dy = m.tensor([1, 1, 1, 1], [1, 1, 2, 2]);
        const g = m.conv2dBackward(x, w, dy, { bias: true });
        expect(Array.from(g.dx!.data)).toEqual([1, 2, 1, 2, 4, 2, 1, 2, 1]);
        expect(Array.from(g.dw!.data)).toEqual([12, 16, 24, 28]);
        expect(Array.from(g.db!.data)).toEqual([4]);
        const only = m.conv2dBackward(x, w, dy, { needs: { dx: false, dw: false, db: true } });
        expect(Object.keys(only)).toEqual(['db']);
        const z = m.linear(m.tensor([1, 2, 3, 4, 5, 6], [2, 3]), m.tensor([1, 0, 0, 0, 1, 0], [2, 3]), m.tensor([1, 1], [2]));
        expect(Array.from(z.data)).toEqual([2, 3, 5, 6]);
      });
    });

    it('throws a typed error naming the problem for every bad input, and stays usable', () => {
      const base = m.info();
      m.scope(() => {
        const x = m.tensor(ramp(1 * 4 * 6 * 6), [1, 4, 6, 6]);
        const w = m.tensor(ramp(2 * 3 * 3 * 3), [2, 3, 3, 3]);
        const wOk = m.tensor(ramp(2 * 4 * 3 * 3), [2, 4, 3, 3]);
        const x3d = m.zeros([4, 6, 6]);
        const bias3 = m.zeros([3]);
        const wBig = m.zeros([2, 4, 9, 9]);
        const [a23, w45, dyBad] = [m.zeros([2, 3]), m.zeros([4, 5]), m.zeros([1, 2, 5, 5])];
        const gone = m.zeros([2, 4, 3, 3]);
        gone.dispose();
        const other = initSync({ backend: backend === 'js' ? 'wasm-scalar' : 'js' });
        const foreign = other.zeros([2, 4, 3, 3]);
        const before = m.info().allocatedBytes;
        // DTypeError: wrong element type, or not a tensor.
        expectError(() => m.tensor(new Float64Array(4) as never, [4]), DTypeError, 'Float64Array');
        expectError(() => m.tensor(['a'] as never, [1]), DTypeError, 'data[0]');
        expectError(() => m.conv2d([1, 2] as never, w), DTypeError, 'conv2d: x must be a Tensor');
        // ShapeError: data/shape mismatch, bad dims, shapes that disagree.
        expectError(() => m.tensor([1, 2, 3], [2, 2]), ShapeError, '3 elements', 'needs 4');
        expectError(() => m.tensor([1], [-1]), ShapeError, 'shape[0]');
        expectError(() => m.zeros([1.5]), ShapeError, 'shape[0]');
        expectError(() => m.conv2d(x, w), ShapeError, '3 input channels per group', '4 channels');
        expectError(() => m.conv2d(x.data as never, w), DTypeError, 'Float32Array');
        expectError(() => m.conv2d(x3d, wOk), ShapeError, 'x must have 4 dimensions');
        expectError(() => m.conv2d(x, wOk, { bias: bias3 }), ShapeError, 'bias must have shape [2]');
        expectError(() => m.conv2d(x, wBig), ShapeError, 'smaller than the dilated kernel');
        expectError(() => m.linear(a23, w45), ShapeError, '5 input features', 'x has 3');
        expectError(() => m.conv2dBackward(x, wOk, dyBad), ShapeError, 'dy must have shape [1, 2, 4, 4]');
        // OptionError: bad option values and unknown keys.
        expectError(() => m.conv2d(x, wOk, { stride: 0 }), OptionError, 'stride', '>= 1');
        expectError(() => m.conv2d(x, wOk, { padding: 'full' as never }), OptionError, "'full'");
        expectError(() => m.conv2d(x, wOk, { padding: 'same', stride: 2 }), OptionError, 'stride 1');
        expectError(() => m.conv2d(x, wOk, { strides: 1 } as never), OptionError, "unknown option 'strides'");
        expectError(() => m.conv2d(x, wOk, { groups: 3 }), ShapeError, 'not divisible by groups=3');
        // DisposedTensorError: used after dispose, or from another instance.
        expectError(() => m.conv2d(x, gone), DisposedTensorError, 'weight', 'dispose');
        expectError(() => gone.data, DisposedTensorError);
        expectError(() => m.conv2d(x, foreign), DisposedTensorError, 'another');
        // OutOfMemoryError: more than wasm32 memory (the js backend has no such limit to test).
        if (backend !== 'js') {
          expectError(() => m.zeros([2 ** 30, 2]), OutOfMemoryError, '4 GiB');
        }
        expect(m.info().allocatedBytes).toBe(before);
        // Still usable: the failed calls allocated nothing and the next op works.
        const y = m.conv2d(x, wOk, { padding: 'same' });
        expect(y.shape).toEqual([1, 2, 6, 6]);
      });
      expect(m.info().liveTensors).toBe(base.liveTensors);
    });
  });
}
