/** The threads build embedded in the bundle ('' when it was built without it), compiled once. */
import { BackendError } from '../../errors';
import { decodeBase64 } from '../base64';
import { THREADS_WASM_BASE64 } from 'virtual:dcd-wasm/embedded';

let cached: Promise<WebAssembly.Module> | undefined;

export function embeddedThreadsModule(): Promise<WebAssembly.Module> {
  if (!THREADS_WASM_BASE64) {
    return Promise.reject(new BackendError('this bundle has no embedded threads build; pass options.wasm (dcd-threads.wasm)'));
  }
  cached ??= WebAssembly.compile(decodeBase64(THREADS_WASM_BASE64)).catch((e: unknown) => {
    cached = undefined;
    throw new BackendError(`could not compile the embedded threads build: ${(e as Error)?.message ?? String(e)}`);
  });
  return cached;
}
