/**
 * safetensors in and out, from bytes, in every runtime (TextDecoder / DataView only: no fs, no Buffer).
 *
 * Format: 8 bytes little-endian u64 N, N bytes of UTF-8 JSON header, then the data section. The header
 * maps each tensor name to { dtype, shape, data_offsets: [begin, end] } (offsets relative to the data
 * section) and may hold `__metadata__`, a string→string map.
 *
 * The reader is strict: every rule below is checked on the header before any tensor is allocated, so a
 * hostile file costs at most a copy of its own size. Each violation is a StateDictError naming the
 * tensor or field. The writer lays a file out exactly as the reference implementation (huggingface
 * `safetensors`, `serialize`) does: tensors sorted by name (all F32), compact JSON with `__metadata__`
 * first (its keys sorted, since the reference's order is a hash map's), the header padded with spaces
 * to a multiple of 8 bytes, data in header order with no gaps.
 */
import { StateDictError } from '../errors';

/**
 * A state dict as modules' stateDict() / loadStateDict() use it (the StateDict of the module tree,
 * restated here so this room depends on no module file): tensors by PyTorch state_dict name.
 */
export interface StateTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array | readonly number[];
}
export type StateDict = Record<string, StateTensor>;

/** The reference implementation refuses larger headers (MAX_HEADER_SIZE). */
export const MAX_HEADER_BYTES = 100_000_000;

/** Deeper nesting than this is never a valid header; the cap keeps the parser's recursion bounded. */
const MAX_JSON_DEPTH = 32;

/** dtypes read as float32, with their byte sizes. */
const FLOAT_DTYPES: Readonly<Record<string, number>> = { F64: 8, F32: 4, F16: 2, BF16: 2 };

/** dtypes of the format this reader does not convert (validated and reported, or skipped on request). */
const OTHER_DTYPES: Readonly<Record<string, number>> = {
  BOOL: 1, U8: 1, I8: 1, I16: 2, U16: 2, I32: 4, U32: 4, I64: 8, U64: 8, C64: 8,
  F8_E4M3: 1, F8_E5M2: 1, F8_E8M0: 1,
};

const ENTRY_FIELDS = ['dtype', 'shape', 'data_offsets'] as const;

/** One tensor read from a safetensors file, converted to float32. */
export interface SafetensorsTensor {
  /** Dimensions as stored in the file. */
  shape: number[];
  /** The values converted to float32 (a fresh array, never a view of the input bytes). */
  data: Float32Array;
  /** The dtype stored in the file: 'F32', 'F16', 'BF16' or 'F64'. */
  dtype: string;
}

/** A whole safetensors file as readSafetensors returns it. */
export interface SafetensorsFile {
  /** By name, in data-section order. */
  tensors: Record<string, SafetensorsTensor>;
  /** The header's `__metadata__` string map (empty when absent). */
  metadata: Record<string, string>;
  /** Tensors of a dtype that does not convert to float32 which `skip` allowed to be left out. */
  skipped: {
    /** The tensor's name in the file. */
    name: string;
    /** Its dtype in the file, e.g. 'I64'. */
    dtype: string;
  }[];
}

/** Options of readSafetensors / stateDictFromSafetensors. */
export interface ReadSafetensorsOptions {
  /**
   * Called for a tensor whose dtype exists but does not convert to float32 (I64, BOOL, U8, …): return
   * true to leave it out (it is listed in `skipped`) instead of failing. Its offsets are checked anyway.
   */
  skip?: (name: string, dtype: string) => boolean;
  /** Refuse headers larger than this (default and maximum: 100 000 000 bytes, as the reference). */
  maxHeaderBytes?: number;
}

/** A tensor to write: float32 values in row-major order. */
export interface WritableTensor {
  /** Dimensions; their product must equal data.length. */
  readonly shape: readonly number[];
  /** The values, row-major. */
  readonly data: Float32Array;
}

// ------------------------------------------------------------------ reading

/** Parses and converts a whole safetensors file. Every malformed input is a StateDictError. */
export function readSafetensors(bytes: Uint8Array | ArrayBuffer, options: ReadSafetensorsOptions = {}): SafetensorsFile {
  const file = asBytes(bytes);
  if (options === null || typeof options !== 'object') {
    throw new StateDictError(`readSafetensors: options must be an object, got ${describeValue(options)}`);
  }
  const maxHeaderBytes = checkMaxHeaderBytes(options.maxHeaderBytes);
  const skip = options.skip;
  if (skip !== undefined && typeof skip !== 'function') {
    throw new StateDictError(`readSafetensors: options.skip must be a function, got ${typeof skip}`);
  }
  if (file.length < 8) {
    throw new StateDictError(`safetensors: the file has ${file.length} bytes, fewer than the 8 of the header length`);
  }
  const headerLength = new DataView(file.buffer, file.byteOffset, 8).getBigUint64(0, true);
  if (headerLength > BigInt(maxHeaderBytes)) {
    throw new StateDictError(`safetensors: header length ${headerLength} exceeds the limit of ${maxHeaderBytes} bytes`);
  }
  if (headerLength > BigInt(file.length - 8)) {
    throw new StateDictError(
      `safetensors: header length ${headerLength} runs past the end of the file (${file.length - 8} bytes after the length)`);
  }
  const dataStart = 8 + Number(headerLength);
  const header = parseHeader(file.subarray(8, dataStart));
  const dataLength = file.length - dataStart;
  const entries = validateEntries(header.entries, dataLength);

  const tensors: Record<string, SafetensorsTensor> = {};
  const skipped: { name: string; dtype: string }[] = [];
  for (const e of entries) {
    if (!Object.hasOwn(FLOAT_DTYPES, e.dtype)) {
      if (skip?.(e.name, e.dtype) === true) {
        skipped.push({ name: e.name, dtype: e.dtype });
        continue;
      }
      throw new StateDictError(
        `safetensors: tensor '${e.name}' has dtype ${e.dtype}, which does not convert to float32 (supported: F32, F16, BF16, F64)`);
    }
    const data = decodeFloats(file.subarray(dataStart + e.begin, dataStart + e.end), e.dtype);
    setOwn(tensors, e.name, { shape: e.shape, data, dtype: e.dtype });
  }
  return { tensors, metadata: header.metadata, skipped };
}

/**
 * A StateDict (the input of a module's loadStateDict) from a safetensors file. Integer
 * `num_batches_tracked` counters (which loadStateDict ignores anyway) are skipped unless `options.skip`
 * says otherwise; any other non-float tensor is an error.
 */
export function stateDictFromSafetensors(bytes: Uint8Array | ArrayBuffer, options: ReadSafetensorsOptions = {}): StateDict {
  const skip = options.skip ?? isBatchCounter;
  const { tensors } = readSafetensors(bytes, { ...options, skip });
  const sd: Record<string, StateTensor> = {};
  for (const [name, t] of Object.entries(tensors)) setOwn(sd, name, { shape: t.shape, data: t.data });
  return sd;
}

/** obj[key] = value even for key '__proto__' (a plain assignment would replace the prototype instead). */
function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

const isBatchCounter = (name: string): boolean => name === 'num_batches_tracked' || name.endsWith('.num_batches_tracked');

function asBytes(bytes: Uint8Array | ArrayBuffer): Uint8Array {
  // A plain view, also of a Node Buffer (whose slice() would not copy).
  if (bytes instanceof Uint8Array) return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  throw new StateDictError(`readSafetensors: bytes must be a Uint8Array or an ArrayBuffer, got ${describeValue(bytes)}`);
}

function checkMaxHeaderBytes(value: number | undefined): number {
  if (value === undefined) return MAX_HEADER_BYTES;
  if (!Number.isSafeInteger(value) || value < 2 || value > MAX_HEADER_BYTES) {
    throw new StateDictError(
      `readSafetensors: options.maxHeaderBytes must be an integer in [2, ${MAX_HEADER_BYTES}], got ${String(value)}`);
  }
  return value;
}

interface RawHeader {
  metadata: Record<string, string>;
  /** Tensor entries in header order, still unchecked. */
  entries: [string, unknown][];
}

function parseHeader(headerBytes: Uint8Array): RawHeader {
  let text: string;
  try {
    // fatal: invalid UTF-8 is an error, not U+FFFD; ignoreBOM: a BOM stays and is rejected below.
    // Browsers' TextDecoder refuses views of shared memory: decode a copy of those.
    const decodable = headerBytes.buffer instanceof ArrayBuffer ? headerBytes : headerBytes.slice();
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(decodable);
  } catch {
    throw new StateDictError('safetensors: the header is not valid UTF-8');
  }
  if (!text.startsWith('{')) {
    throw new StateDictError(`safetensors: the header must be a JSON object starting with '{', got ${quote(text.slice(0, 16))}`);
  }
  const root = new JsonParser(text).parseDocument();
  const metadata: Record<string, string> = {};
  const entries: [string, unknown][] = [];
  for (const [key, value] of root) {
    if (key !== '__metadata__') {
      entries.push([key, value]);
      continue;
    }
    if (!(value instanceof Map)) {
      throw new StateDictError(`safetensors: __metadata__ must be an object of strings, got ${jsonKind(value)}`);
    }
    for (const [mk, mv] of value) {
      if (typeof mv !== 'string') {
        throw new StateDictError(`safetensors: __metadata__['${mk}'] must be a string, got ${jsonKind(mv)}`);
      }
      setOwn(metadata, mk, mv);
    }
  }
  return { metadata, entries };
}

interface Entry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

/** Checks every entry against the rules and the data section; returns them in offset order. */
function validateEntries(raw: [string, unknown][], dataLength: number): Entry[] {
  const entries: Entry[] = [];
  for (const [name, value] of raw) {
    const where = `safetensors: tensor '${name}'`;
    if (!(value instanceof Map)) throw new StateDictError(`${where} must be an object, got ${jsonKind(value)}`);
    for (const field of value.keys()) {
      if (!(ENTRY_FIELDS as readonly string[]).includes(field)) {
        throw new StateDictError(`${where} has an unknown field '${field}' (expected dtype, shape, data_offsets)`);
      }
    }
    for (const field of ENTRY_FIELDS) {
      if (!value.has(field)) throw new StateDictError(`${where} has no '${field}'`);
    }
    const dtype = value.get('dtype');
    if (typeof dtype !== 'string') throw new StateDictError(`${where}: dtype must be a string, got ${jsonKind(dtype)}`);
    if (!Object.hasOwn(FLOAT_DTYPES, dtype) && !Object.hasOwn(OTHER_DTYPES, dtype)) {
      throw new StateDictError(`${where} has an unknown dtype ${quote(dtype)}`);
    }
    const itemSize = FLOAT_DTYPES[dtype] ?? OTHER_DTYPES[dtype]!;
    const shape = value.get('shape');
    if (!Array.isArray(shape) || !shape.every((n) => Number.isSafeInteger(n) && n >= 0)) {
      throw new StateDictError(`${where}: shape must be an array of non-negative integers, got ${jsonText(shape)}`);
    }
    const offsets = value.get('data_offsets');
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((n) => Number.isSafeInteger(n) && n >= 0)) {
      throw new StateDictError(`${where}: data_offsets must be two non-negative integers [begin, end], got ${jsonText(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end) throw new StateDictError(`${where}: data_offsets [${begin}, ${end}] has begin > end`);
    if (end > dataLength) {
      throw new StateDictError(`${where}: data_offsets [${begin}, ${end}] run past the data section (${dataLength} bytes)`);
    }
    // BigInt: a hostile shape such as [2^31, 2^31, 2^31] must not round or overflow.
    const expected = (shape as number[]).reduce((p, n) => p * BigInt(n), 1n) * BigInt(itemSize);
    if (expected !== BigInt(end - begin)) {
      throw new StateDictError(
        `${where}: shape [${(shape as number[]).join(', ')}] of ${dtype} needs ${expected} bytes but data_offsets give ${end - begin}`);
    }
    entries.push({ name, dtype, shape: (shape as number[]).slice(), begin, end });
  }
  // Tensors must tile the data section exactly: sorted by offsets, each begins where the last ended.
  const sorted = entries.slice().sort((a, b) => a.begin - b.begin || a.end - b.end);
  let position = 0;
  let previous: Entry | undefined;
  for (const e of sorted) {
    if (e.begin < position) {
      throw new StateDictError(
        `safetensors: tensor '${e.name}' [${e.begin}, ${e.end}] overlaps tensor '${previous!.name}' [${previous!.begin}, ${previous!.end}]`);
    }
    if (e.begin > position) {
      throw new StateDictError(
        `safetensors: bytes [${position}, ${e.begin}) of the data section before tensor '${e.name}' belong to no tensor`);
    }
    position = e.end;
    previous = e;
  }
  if (position !== dataLength) {
    throw new StateDictError(
      `safetensors: the data section has ${dataLength - position} trailing bytes after the last tensor (at ${position} of ${dataLength})`);
  }
  return sorted;
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** float32 values of little-endian `bytes` holding `dtype` elements (a fresh array). */
function decodeFloats(bytes: Uint8Array, dtype: string): Float32Array {
  if (dtype === 'F32' && LITTLE_ENDIAN_HOST) {
    const copy = new Uint8Array(bytes.byteLength);
    copy.set(bytes);
    return new Float32Array(copy.buffer);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.byteLength / FLOAT_DTYPES[dtype]!);
  switch (dtype) {
    case 'F32':
      for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
      break;
    case 'F64':
      // Storing into a Float32Array rounds to nearest even, as torch's .float() does.
      for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(8 * i, true);
      break;
    case 'F16':
      for (let i = 0; i < out.length; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
      break;
    case 'BF16': {
      // bfloat16 is the top half of a float32: shift the bits into place.
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < out.length; i++) bits[i] = view.getUint16(2 * i, true) << 16;
      break;
    }
  }
  return out;
}

/** IEEE binary16 → number, exact (every half value is a float32 value), subnormals, ±inf, NaN included. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1024 + mantissa) * 2 ** (exponent - 25);
}

// ------------------------------------------------------------------ JSON with duplicate detection

/**
 * A strict JSON parser for the header. JSON.parse keeps the last of two equal keys silently, so a
 * file could show one tensor to us and another to a different reader; this one rejects duplicates at
 * every level. Objects become Maps (insertion order, no prototype keys); nesting is capped.
 */
class JsonParser {
  readonly #text: string;
  #at = 0;

  constructor(text: string) {
    this.#text = text;
  }

  parseDocument(): Map<string, unknown> {
    const value = this.#value(0, 'the header');
    this.#skipSpace();
    if (this.#at !== this.#text.length) this.#fail(`unexpected ${this.#peekText()} after the header object`);
    if (!(value instanceof Map)) throw new StateDictError(`safetensors: the header must be a JSON object, got ${jsonKind(value)}`);
    return value;
  }

  #fail(what: string): never {
    throw new StateDictError(`safetensors: the header is not valid JSON: ${what} at character ${this.#at}`);
  }

  #peekText(): string {
    return this.#at < this.#text.length ? quote(this.#text.slice(this.#at, this.#at + 12)) : 'end of header';
  }

  #skipSpace(): void {
    const t = this.#text;
    while (this.#at < t.length) {
      const c = t.charCodeAt(this.#at);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      this.#at++;
    }
  }

  #value(depth: number, path: string): unknown {
    if (depth > MAX_JSON_DEPTH) this.#fail(`nesting deeper than ${MAX_JSON_DEPTH} levels`);
    this.#skipSpace();
    const c = this.#text[this.#at];
    if (c === '{') return this.#object(depth, path);
    if (c === '[') return this.#array(depth, path);
    if (c === '"') return this.#string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.#number();
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.#text.startsWith(word, this.#at)) {
        this.#at += word.length;
        return value;
      }
    }
    return this.#fail(`unexpected ${this.#peekText()}`);
  }

  #object(depth: number, path: string): Map<string, unknown> {
    const map = new Map<string, unknown>();
    this.#at++; // {
    this.#skipSpace();
    if (this.#text[this.#at] === '}') {
      this.#at++;
      return map;
    }
    for (;;) {
      this.#skipSpace();
      if (this.#text[this.#at] !== '"') this.#fail(`expected a key in ${path}, got ${this.#peekText()}`);
      const key = this.#string();
      if (map.has(key)) {
        throw new StateDictError(`safetensors: the header has the key '${key}' twice in ${path}`);
      }
      this.#skipSpace();
      if (this.#text[this.#at] !== ':') this.#fail(`expected ':' after key '${key}'`);
      this.#at++;
      map.set(key, this.#value(depth + 1, `'${key}'`));
      this.#skipSpace();
      const next = this.#text[this.#at++];
      if (next === '}') return map;
      if (next !== ',') {
        this.#at--;
        this.#fail(`expected ',' or '}' in ${path}, got ${this.#peekText()}`);
      }
    }
  }

  #array(depth: number, path: string): unknown[] {
    const items: unknown[] = [];
    this.#at++; // [
    this.#skipSpace();
    if (this.#text[this.#at] === ']') {
      this.#at++;
      return items;
    }
    for (;;) {
      items.push(this.#value(depth + 1, path));
      this.#skipSpace();
      const next = this.#text[this.#at++];
      if (next === ']') return items;
      if (next !== ',') {
        this.#at--;
        this.#fail(`expected ',' or ']' in ${path}, got ${this.#peekText()}`);
      }
    }
  }

  #string(): string {
    const t = this.#text;
    const start = this.#at++; // "
    let plain = true;
    for (;;) {
      if (this.#at >= t.length) this.#fail('unterminated string');
      const c = t.charCodeAt(this.#at);
      if (c === 0x22) break;
      if (c < 0x20) this.#fail('a control character inside a string');
      if (c === 0x5c) {
        plain = false;
        const e = t[this.#at + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(t.slice(this.#at + 2, this.#at + 6))) this.#fail('a bad \\u escape');
          this.#at += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) this.#fail('a bad escape');
        this.#at += 2;
        continue;
      }
      this.#at++;
    }
    this.#at++; // closing "
    const raw = t.slice(start, this.#at);
    if (plain) return raw.slice(1, -1);
    // The scan above checked the grammar, so JSON.parse only decodes the escapes.
    const decoded = JSON.parse(raw) as string;
    if (LONE_SURROGATE.test(decoded)) this.#fail('a \\u escape of a lone surrogate (not Unicode)');
    return decoded;
  }

  #number(): number | JsonDecimal {
    const match = /^-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.#text.slice(this.#at, this.#at + 400));
    if (match === null) return this.#fail('a malformed number');
    this.#at += match[0].length;
    const value = Number(match[0]);
    // 2.0 or 2e0 is not an integer to the reference's parser either: keep it out of shapes and offsets.
    return match[1] !== undefined || match[2] !== undefined ? new JsonDecimal(value) : value;
  }
}

/** A number written with a fraction or exponent; never accepted where an integer is expected. */
class JsonDecimal {
  constructor(readonly value: number) {}
  toJSON(): number {
    return this.value;
  }
}

function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof JsonDecimal) return `number ${value.value}`;
  if (value instanceof Map) return 'an object';
  if (Array.isArray(value)) return 'an array';
  return `${typeof value} ${jsonText(value)}`;
}

function jsonText(value: unknown): string {
  const text = value instanceof Map ? '{…}' : JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

const quote = (s: string): string => JSON.stringify(s);

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (typeof value === 'object') return `an object (${(value as object).constructor?.name ?? 'no prototype'})`;
  return typeof value;
}

// ------------------------------------------------------------------ writing

/**
 * A safetensors file of float32 tensors, byte for byte as the reference `safetensors.serialize` lays
 * it out (see the file comment). `metadata` values must be strings.
 */
export function writeSafetensors(tensors: Record<string, WritableTensor>, metadata?: Record<string, string>): Uint8Array {
  if (tensors === null || typeof tensors !== 'object') {
    throw new StateDictError(`writeSafetensors: tensors must be an object of { shape, data }, got ${describeValue(tensors)}`);
  }
  const names = Object.keys(tensors).sort(compareCodePoints);
  for (const name of names) checkWritable(name, tensors[name]);

  const header: Record<string, unknown> = {};
  if (metadata !== undefined) setOwn(header, '__metadata__', checkMetadata(metadata));
  let offset = 0;
  for (const name of names) {
    const t = tensors[name]!;
    setOwn(header, name, { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + 4 * t.data.length] });
    offset += 4 * t.data.length;
  }
  // JSON.stringify escapes exactly as serde_json does for well-formed strings (", \, controls as \n or \u00xx).
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = json.length + ((8 - (json.length % 8)) % 8);
  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  const view = new DataView(out.buffer);
  for (const name of names) {
    const data = tensors[name]!.data;
    if (LITTLE_ENDIAN_HOST) out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    else for (let i = 0; i < data.length; i++) view.setFloat32(at + 4 * i, data[i]!, true);
    at += data.byteLength;
  }
  return out;
}

/** A safetensors file of a StateDict (e.g. a module's stateDict()); plain number arrays are converted to float32. */
export function safetensorsFromStateDict(sd: StateDict, metadata?: Record<string, string>): Uint8Array {
  if (sd === null || typeof sd !== 'object') {
    throw new StateDictError(`safetensorsFromStateDict: sd must be a state dict object, got ${describeValue(sd)}`);
  }
  const tensors: Record<string, WritableTensor> = {};
  for (const [name, t] of Object.entries(sd)) {
    if (t === null || typeof t !== 'object') {
      throw new StateDictError(`safetensorsFromStateDict: '${name}' must be { shape, data }, got ${describeValue(t)}`);
    }
    const data = t.data instanceof Float32Array ? t.data : Array.isArray(t.data) ? Float32Array.from(t.data) : t.data;
    setOwn(tensors, name, { shape: t.shape, data: data as Float32Array });
  }
  return writeSafetensors(tensors, metadata);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function checkWritable(name: string, t: unknown): void {
  const where = `writeSafetensors: tensor '${name}'`;
  if (name === '' || name === '__metadata__' || LONE_SURROGATE.test(name)) {
    throw new StateDictError(`writeSafetensors: ${quote(name)} cannot be a tensor name (empty, reserved or not valid Unicode)`);
  }
  if (t === null || typeof t !== 'object') throw new StateDictError(`${where} must be { shape, data }, got ${describeValue(t)}`);
  const { shape, data } = t as { shape: unknown; data: unknown };
  if (!Array.isArray(shape) || !shape.every((n) => Number.isSafeInteger(n) && n >= 0)) {
    throw new StateDictError(`${where}: shape must be an array of non-negative integers, got ${jsonText(shape)}`);
  }
  if (!(data instanceof Float32Array)) {
    throw new StateDictError(`${where}: data must be a Float32Array, got ${describeValue(data)}`);
  }
  const size = (shape as number[]).reduce((p, n) => p * n, 1);
  if (size !== data.length) {
    throw new StateDictError(`${where}: shape [${(shape as number[]).join(', ')}] has ${size} elements but data has ${data.length}`);
  }
}

function checkMetadata(metadata: unknown): Record<string, string> {
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) {
    throw new StateDictError(`writeSafetensors: metadata must be an object of strings, got ${describeValue(metadata)}`);
  }
  const sorted: Record<string, string> = {};
  for (const key of Object.keys(metadata).sort(compareCodePoints)) {
    const value = (metadata as Record<string, unknown>)[key];
    if (typeof value !== 'string' || LONE_SURROGATE.test(value) || LONE_SURROGATE.test(key)) {
      throw new StateDictError(`writeSafetensors: metadata['${key}'] must be a valid Unicode string, got ${describeValue(value)}`);
    }
    setOwn(sorted, key, value);
  }
  return sorted;
}

/** Order of Unicode code points = order of UTF-8 bytes, as Rust's (and Python's) string comparison. */
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(i)!;
    if (ca !== cb) return ca - cb;
    if (ca > 0xffff) i++;
  }
  return a.length - b.length;
}
