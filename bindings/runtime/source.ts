/**
 * Turns the user's `wasm` option (bytes, Module, URL, Response, …) or the embedded bytes into a
 * compiled WebAssembly.Module. Every failure is a BackendError saying what was tried.
 */
import { BackendError, OptionError } from '../errors';
import type { WasmSource } from '../backend';
import { decodeBase64 } from './base64';
import { RELAXED_SIMD_WASM_BASE64, SCALAR_WASM_BASE64, SIMD_WASM_BASE64 } from 'virtual:dcd-wasm/embedded';

/**
 * A dcd-wasm build to run: a compiled WebAssembly.Module, its bytes, a URL (string or URL) to fetch,
 * or a Response / Promise<Response> (e.g. `fetch(url)`).
 */
export type WasmInput = BufferSource | WebAssembly.Module | URL | string | Response | PromiseLike<Response>;

/** The wasm files the package ships (`dcd-wasm/<file>`, `dist/<file>`). */
export type WasmFile =
  | 'dcd-relaxed-simd.wasm' | 'dcd-simd.wasm' | 'dcd-scalar.wasm' | 'dcd-threads.wasm' | 'dcd-relaxed-simd-threads.wasm';

/**
 * Given the file of the one build this runtime should load (see {@link WasmFile}), where to get it:
 * `init({ wasm: (file) => `/assets/${file}` })` fetches only that build. What the slim entry
 * (`dcd-wasm/slim`, no embedded wasm) needs; the default entry accepts it too.
 */
export type WasmResolver = (file: WasmFile) => WasmInput | PromiseLike<WasmInput>;

/** The file of each single-threaded build. */
export const WASM_FILE: Record<EmbeddedBuild, WasmFile> = {
  'relaxed-simd': 'dcd-relaxed-simd.wasm', simd: 'dcd-simd.wasm', scalar: 'dcd-scalar.wasm',
};

export function isWasmResolver(value: unknown): value is WasmResolver {
  return typeof value === 'function';
}

/** Calls the user's resolver for `file`; its failure or a bad result is a BackendError / OptionError naming the file. */
export async function resolveWasm(resolver: WasmResolver, file: WasmFile): Promise<WasmInput> {
  let input: WasmInput;
  try {
    input = await resolver(file);
  } catch (e) {
    throw new BackendError(`init: the wasm resolver failed for ${file}: ${(e as Error)?.message ?? String(e)}`);
  }
  if (typeof input === 'function') throw new OptionError(`init: the wasm resolver must return a WasmInput for ${file}, got a function`);
  return input;
}

/** Same without await (initSync): the resolver must return bytes or a WebAssembly.Module. */
export function resolveWasmSync(resolver: WasmResolver, file: WasmFile): WasmInput {
  let input: WasmInput | PromiseLike<WasmInput>;
  try {
    input = resolver(file);
  } catch (e) {
    throw new BackendError(`initSync: the wasm resolver failed for ${file}: ${(e as Error)?.message ?? String(e)}`);
  }
  if (input !== null && typeof input === 'object' && typeof (input as PromiseLike<unknown>).then === 'function') {
    throw new BackendError(`initSync: the wasm resolver returned a promise for ${file}; use await init({ wasm }) ` +
      'or return the bytes or a WebAssembly.Module');
  }
  return input as WasmInput;
}

type Kind = WasmSource | 'promise';

export function classifyWasmInput(value: unknown): Kind {
  if (typeof WebAssembly === 'object' && value instanceof WebAssembly.Module) return 'module';
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value) ||
      Object.prototype.toString.call(value) === '[object ArrayBuffer]') return 'bytes';
  if (typeof value === 'string' || (typeof URL === 'function' && value instanceof URL)) return 'url';
  if (typeof Response === 'function' && value instanceof Response) return 'response';
  if (value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function') {
    return 'promise';
  }
  throw new OptionError('init: wasm must be a BufferSource, WebAssembly.Module, URL, URL string, Response or ' +
    `Promise<Response>, got ${value === null ? 'null' : typeof value}`);
}

// Edge runtimes (workerd/Cloudflare Workers) forbid compiling wasm from bytes while serving a
// request: point the user at the two paths that work there.
const CODEGEN_HINT = ' (this runtime only compiles WebAssembly at startup: call initSync() at the top level of ' +
  "the module, or import the .wasm file as a WebAssembly.Module and pass it as init({ wasm }))";

const compileError = (from: string, e: unknown): BackendError => {
  const message = (e as Error)?.message ?? String(e);
  const hint = /code generation disallowed/i.test(message) ? CODEGEN_HINT : '';
  return new BackendError(`could not compile the wasm module from ${from}: ${message}${hint}`);
};

export function compileSync(bytes: BufferSource, from: string): WebAssembly.Module {
  try {
    return new WebAssembly.Module(bytes);
  } catch (e) {
    throw compileError(from, e);
  }
}

async function compileAsync(bytes: BufferSource, from: string): Promise<WebAssembly.Module> {
  try {
    return await WebAssembly.compile(bytes);
  } catch (e) {
    throw compileError(from, e);
  }
}

async function responseBytes(response: Response, from: string): Promise<ArrayBuffer> {
  if (!response.ok) throw new BackendError(`could not load the wasm module from ${from}: HTTP ${response.status}`);
  try {
    return await response.arrayBuffer();
  } catch (e) {
    throw new BackendError(`could not read the wasm module from ${from}: ${(e as Error)?.message ?? String(e)}`);
  }
}

/** Compiles the user's wasm option (any supported kind). */
export async function moduleFromInput(value: WasmInput): Promise<{ module: WebAssembly.Module; source: WasmSource }> {
  const kind = classifyWasmInput(value);
  switch (kind) {
    case 'module': return { module: value as WebAssembly.Module, source: 'module' };
    case 'bytes': return { module: await compileAsync(value as BufferSource, 'the given bytes'), source: 'bytes' };
    case 'url': {
      const url = String(value);
      let response: Response;
      try {
        response = await fetch(url);
      } catch (e) {
        throw new BackendError(`could not fetch the wasm module from ${url}: ${(e as Error)?.message ?? String(e)} ` +
          '(Node 20 cannot fetch file: URLs; pass the bytes instead, e.g. fs.readFileSync)');
      }
      return { module: await compileAsync(await responseBytes(response, url), url), source: 'url' };
    }
    default: {
      let response: Response;
      try {
        response = await (value as PromiseLike<Response>);
      } catch (e) {
        throw new BackendError(`the wasm Response promise rejected: ${(e as Error)?.message ?? String(e)}`);
      }
      if (classifyWasmInput(response) !== 'response') {
        throw new OptionError('init: a wasm promise must resolve to a Response');
      }
      return { module: await compileAsync(await responseBytes(response, response.url || 'a Response'), 'a Response'),
        source: 'response' };
    }
  }
}

/** Compiles the user's wasm option synchronously: only bytes or a Module can be used without await. */
export function moduleFromInputSync(value: WasmInput): { module: WebAssembly.Module; source: WasmSource } {
  const kind = classifyWasmInput(value);
  if (kind === 'module') return { module: value as WebAssembly.Module, source: 'module' };
  if (kind === 'bytes') return { module: compileSync(value as BufferSource, 'the given bytes'), source: 'bytes' };
  throw new BackendError(`initSync: cannot load the wasm module from a ${kind === 'url' ? 'URL' : 'Response'} ` +
    'synchronously; use await init({ wasm }) or pass the bytes or a WebAssembly.Module');
}

/** The builds a bundle may embed. */
export type EmbeddedBuild = 'relaxed-simd' | 'simd' | 'scalar';

const EMBEDDED_BASE64: Record<EmbeddedBuild, string> = {
  'relaxed-simd': RELAXED_SIMD_WASM_BASE64,
  simd: SIMD_WASM_BASE64,
  scalar: SCALAR_WASM_BASE64,
};

const embeddedCache: Partial<Record<EmbeddedBuild, WebAssembly.Module>> = {};

/** A bundle built without one of the builds (a custom embed) has '' for it. */
export function hasEmbeddedBuild(key: EmbeddedBuild): boolean {
  return Boolean(EMBEDDED_BASE64[key]);
}

function embeddedBytes(key: EmbeddedBuild): Uint8Array<ArrayBuffer> {
  const base64 = EMBEDDED_BASE64[key];
  if (!base64) {
    throw new BackendError(`this bundle has no embedded ${key} build (dcd-wasm/slim embeds none): pass ` +
      "init({ wasm: (file) => <URL, bytes or WebAssembly.Module of that file> }), or use backend: 'js'");
  }
  return decodeBase64(base64);
}

/** The build embedded in the bundle, compiled once per process (synchronously, for initSync). */
export function embeddedModule(key: EmbeddedBuild): WebAssembly.Module {
  return (embeddedCache[key] ??= compileSync(embeddedBytes(key), `the embedded ${key} build`));
}

/** Same, compiled off the main thread where the runtime can (browsers limit sync compiles to 8 MB). */
export async function embeddedModuleAsync(key: EmbeddedBuild): Promise<WebAssembly.Module> {
  return (embeddedCache[key] ??= await compileAsync(embeddedBytes(key), `the embedded ${key} build`));
}
