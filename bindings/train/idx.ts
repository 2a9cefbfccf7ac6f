/**
 * IDX files (the MNIST / Fashion-MNIST format), raw or gzip-compressed. Strict: the magic number,
 * the element type, the dimension count and the byte length must all agree, else DataFormatError.
 * gzip goes through the runtime's own DecompressionStream (Node ≥ 18, Deno, browsers, workerd), so
 * there is no dependency and no node:zlib import.
 *
 * Layout: bytes 0–1 zero, byte 2 the element type, byte 3 the number of dimensions d, then d
 * big-endian uint32 sizes, then the elements, big-endian, row-major.
 */
import { DataFormatError, DTypeError } from '../errors';
import { describe } from '../ops/checks';

/** Element type of an IDX file (type byte 0x08 … 0x0e). */
export type IdxDType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
/** The typed array holding an IDX file's elements, by IdxDType. */
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** An IDX file's contents: element type, dimensions and elements (row-major). */
export interface IdxArray {
  /** Element type stored in the file. */
  dtype: IdxDType;
  /** Dimensions, outermost first. */
  shape: number[];
  /** The elements, in a typed array of their type. */
  data: IdxData;
}

const TYPES: Record<number, { dtype: IdxDType; bytes: number }> = {
  0x08: { dtype: 'uint8', bytes: 1 }, 0x09: { dtype: 'int8', bytes: 1 }, 0x0b: { dtype: 'int16', bytes: 2 },
  0x0c: { dtype: 'int32', bytes: 4 }, 0x0d: { dtype: 'float32', bytes: 4 }, 0x0e: { dtype: 'float64', bytes: 8 },
};

function asBytes(input: unknown, op: string): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  throw new DTypeError(`${op}: bytes must be a Uint8Array, ArrayBuffer or typed array, got ${describe(input)}`);
}

/** True when the bytes start with the gzip magic (1f 8b). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Decompresses gzip bytes with DecompressionStream (DataFormatError when they are not valid gzip). */
export async function gunzip(input: Uint8Array | ArrayBuffer): Promise<Uint8Array> {
  const bytes = asBytes(input, 'gunzip');
  if (typeof DecompressionStream !== 'function') {
    throw new DataFormatError('gunzip: this runtime has no DecompressionStream; decompress the file first and pass raw bytes');
  }
  try {
    // a view of a SharedArrayBuffer (e.g. wasm threads memory) is not a BlobPart: copy it then
    const part = bytes.buffer instanceof ArrayBuffer ? bytes as Uint8Array<ArrayBuffer> : bytes.slice();
    const stream = new Blob([part]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new DataFormatError(`gunzip: the data is not valid gzip (${(e as Error).message})`);
  }
}

/** Parses raw (uncompressed) IDX bytes. The elements are copied into a typed array of their type. */
export function parseIdx(input: Uint8Array | ArrayBuffer): IdxArray {
  const op = 'parseIdx';
  const bytes = asBytes(input, op);
  if (bytes.length < 4) throw new DataFormatError(`${op}: ${bytes.length} bytes is too short for an IDX header (4 bytes at least)`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const hint = isGzip(bytes) ? ' (this is gzip data: use readIdx, which decompresses)' : '';
    throw new DataFormatError(`${op}: bad magic number: the first two bytes must be 0, got ${bytes[0]}, ${bytes[1]}${hint}`);
  }
  const type = TYPES[bytes[2]];
  if (!type) throw new DataFormatError(`${op}: unknown element type 0x${bytes[2].toString(16).padStart(2, '0')} in the magic number`);
  const rank = bytes[3];
  if (rank === 0) throw new DataFormatError(`${op}: the magic number gives 0 dimensions`);
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw new DataFormatError(`${op}: the header of a ${rank}-dimensional IDX file needs ${headerBytes} bytes, the data has ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const want = headerBytes + count * type.bytes;
  if (bytes.length !== want) {
    throw new DataFormatError(`${op}: dimensions [${shape.join(', ')}] of ${type.dtype} need ${want} bytes ` +
      `(header ${headerBytes} + ${count} × ${type.bytes}), the data has ${bytes.length}`);
  }
  let data: IdxData;
  switch (type.dtype) {
    case 'uint8': data = bytes.slice(headerBytes); break;
    case 'int8': data = new Int8Array(bytes.slice(headerBytes).buffer); break;
    default: {
      const read: Record<string, (o: number) => number> = {
        int16: (o) => view.getInt16(o, false), int32: (o) => view.getInt32(o, false),
        float32: (o) => view.getFloat32(o, false), float64: (o) => view.getFloat64(o, false),
      };
      const ctor = { int16: Int16Array, int32: Int32Array, float32: Float32Array, float64: Float64Array }[type.dtype as 'int16'];
      const out = new ctor(count);
      const get = read[type.dtype];
      for (let i = 0; i < count; i++) out[i] = get(headerBytes + i * type.bytes);
      data = out;
    }
  }
  return { dtype: type.dtype, shape, data };
}

/** IDX bytes, gzip-compressed (detected by the gzip magic) or raw. */
export async function readIdx(input: Uint8Array | ArrayBuffer): Promise<IdxArray> {
  const bytes = asBytes(input, 'readIdx');
  return parseIdx(isGzip(bytes) ? await gunzip(bytes) : bytes);
}

/** Encodes an IDX file (raw): for tests, and for shipping a few images with a demo. */
export function encodeIdx(array: IdxArray): Uint8Array {
  const type = Object.entries(TYPES).find(([, t]) => t.dtype === array.dtype);
  if (!type) throw new DTypeError(`encodeIdx: unknown dtype ${describe(array.dtype)}`);
  const [code, { bytes: width }] = [Number(type[0]), type[1]];
  const count = array.shape.reduce((a, b) => a * b, 1);
  if (array.data.length !== count) {
    throw new DataFormatError(`encodeIdx: shape [${array.shape.join(', ')}] needs ${count} elements, data has ${array.data.length}`);
  }
  const header = 4 + 4 * array.shape.length;
  const out = new Uint8Array(header + count * width);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = array.shape.length;
  array.shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < count; i++) {
    const o = header + i * width;
    const v = array.data[i];
    switch (array.dtype) {
      case 'uint8': view.setUint8(o, v); break;
      case 'int8': view.setInt8(o, v); break;
      case 'int16': view.setInt16(o, v, false); break;
      case 'int32': view.setInt32(o, v, false); break;
      case 'float32': view.setFloat32(o, v, false); break;
      case 'float64': view.setFloat64(o, v, false); break;
    }
  }
  return out;
}
