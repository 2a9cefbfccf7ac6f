/**
 * init({ wasm: (file) => … }): the resolver the slim entry needs is called once, with the file of the
 * one build this runtime should run, and whatever it returns is loaded; its failures are typed errors.
 * Runs unchanged under vitest (Node), Deno and Chromium: the "files" are the embedded builds' bytes.
 */
import { describe, expect, it } from 'vitest';
import {
  RELAXED_SIMD_THREADS_WASM_BASE64, RELAXED_SIMD_WASM_BASE64, SCALAR_WASM_BASE64, SIMD_WASM_BASE64, THREADS_WASM_BASE64,
} from 'virtual:dcd-wasm/embedded';
import { BackendError, init, initSync, OptionError, relaxedSimdSupported, type WasmFile } from '../../bindings/index';
import { threadsUnavailableReason } from '../../bindings/runtime/threads/support';

const bytesOf = (base64: string): Uint8Array<ArrayBuffer> => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
const FILES: Record<WasmFile, string> = {
  'dcd-relaxed-simd.wasm': RELAXED_SIMD_WASM_BASE64,
  'dcd-simd.wasm': SIMD_WASM_BASE64,
  'dcd-scalar.wasm': SCALAR_WASM_BASE64,
  'dcd-threads.wasm': THREADS_WASM_BASE64,
  'dcd-relaxed-simd-threads.wasm': RELAXED_SIMD_THREADS_WASM_BASE64,
};
const RELAXED = relaxedSimdSupported();

/** A resolver serving the embedded builds as if they were files, recording what was asked. */
function files(): { asked: WasmFile[]; resolve: (file: WasmFile) => Uint8Array<ArrayBuffer> } {
  const asked: WasmFile[] = [];
  return { asked, resolve: (file) => { asked.push(file); return bytesOf(FILES[file]); } };
}

describe('init({ wasm: resolver })', () => {
  it("'auto' asks for the one build this runtime runs best, once", async () => {
    const f = files();
    const m = await init({ wasm: f.resolve });
    expect(f.asked).toEqual([RELAXED ? 'dcd-relaxed-simd.wasm' : 'dcd-simd.wasm']);
    expect(m.info()).toMatchObject({ backend: RELAXED ? 'wasm-relaxed-simd' : 'wasm-simd', wasmSource: 'bytes' });
  });

  it('an explicit backend asks for its own build; initSync takes a resolver returning bytes', () => {
    const f = files();
    expect(initSync({ backend: 'wasm-scalar', wasm: f.resolve }).info().backend).toBe('wasm-scalar');
    expect(initSync({ backend: 'wasm-simd', wasm: f.resolve }).info().backend).toBe('wasm-simd');
    expect(f.asked).toEqual(['dcd-scalar.wasm', 'dcd-simd.wasm']);
  });

  it('a resolver may be async and may return a WebAssembly.Module', async () => {
    const module = new WebAssembly.Module(bytesOf(SIMD_WASM_BASE64));
    const m = await init({ backend: 'wasm-simd', wasm: async () => module });
    expect(m.info()).toMatchObject({ backend: 'wasm-simd', wasmSource: 'module' });
  });

  it('failures are typed errors naming the file', async () => {
    await expect(init({ backend: 'wasm-scalar', wasm: () => { throw new Error('offline'); } }))
      .rejects.toThrow(/wasm resolver failed for dcd-scalar\.wasm: offline/);
    await expect(init({ backend: 'wasm-scalar', wasm: () => Promise.reject(new Error('404')) })).rejects.toThrow(BackendError);
    expect(() => initSync({ backend: 'wasm-scalar', wasm: async () => bytesOf(SCALAR_WASM_BASE64) }))
      .toThrow(/initSync: the wasm resolver returned a promise for dcd-scalar\.wasm/);
    await expect(init({ backend: 'wasm-scalar', wasm: (() => () => 1) as never })).rejects.toThrow(OptionError);
    await expect(init({ backend: 'wasm-simd', wasm: () => bytesOf(SCALAR_WASM_BASE64) })).rejects.toThrow(/scalar build/);
  });

  it.skipIf(threadsUnavailableReason())('threads ask for the threads build of the picked backend', async () => {
    const f = files();
    const m = await init({ threads: 2, wasm: f.resolve });
    try {
      expect(f.asked).toEqual([RELAXED ? 'dcd-relaxed-simd-threads.wasm' : 'dcd-threads.wasm']);
      expect(m.info()).toMatchObject({ backend: RELAXED ? 'wasm-relaxed-simd' : 'wasm-simd', threads: 2 });
    } finally {
      m.dispose();
    }
  });
});
