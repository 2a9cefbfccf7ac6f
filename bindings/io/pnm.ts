/**
 * Netpbm images (binary PGM `P5` and PPM `P6`, 8-bit): the one image format simple enough to read in a
 * page of strict code, for runtimes without an image decoder (Node, Deno, workers). Untrusted input:
 * every header field is bounded and checked against the file before any pixel is read; errors are
 * DataFormatError naming the field.
 */
import { DataFormatError } from '../errors';

/** An 8-bit image as decodePnm returns it and encodePnm takes it. */
export interface DecodedImage {
  /** Pixels per row. */
  width: number;
  /** Rows. */
  height: number;
  /** 1 (PGM, grey) or 3 (PPM, RGB). */
  channels: 1 | 3;
  /** width · height · channels bytes, row-major, channels interleaved. */
  data: Uint8Array;
}

/** Images up to 2^14 pixels a side (268 M pixels at most). */
const MAX_SIDE = 1 << 14;

/** Decodes a binary PGM (P5) or PPM (P6) with maxval 255. */
export function decodePnm(input: Uint8Array | ArrayBuffer): DecodedImage {
  const op = 'decodePnm';
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  let at = 0;
  const isSpace = (b: number) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0x0b || b === 0x0c;
  /** The next whitespace-separated header token, skipping '#' comments (bounded by the file). */
  const token = (what: string): string => {
    for (;;) {
      while (at < bytes.length && isSpace(bytes[at])) at++;
      if (at < bytes.length && bytes[at] === 0x23) {
        while (at < bytes.length && bytes[at] !== 0x0a && bytes[at] !== 0x0d) at++;
        continue;
      }
      break;
    }
    const start = at;
    while (at < bytes.length && !isSpace(bytes[at]) && at - start < 16) at++;
    if (at === start) throw new DataFormatError(`${op}: the file ends before its ${what}`);
    return String.fromCharCode(...bytes.subarray(start, at));
  };
  const magic = token('magic number');
  if (magic !== 'P5' && magic !== 'P6') {
    throw new DataFormatError(`${op}: expected a binary PGM (P5) or PPM (P6), got magic '${magic.slice(0, 8)}'`);
  }
  const int = (what: string, max: number): number => {
    const t = token(what);
    if (!/^\d{1,6}$/.test(t) || Number(t) < 1 || Number(t) > max) {
      throw new DataFormatError(`${op}: ${what} must be an integer in 1 … ${max}, got '${t.slice(0, 16)}'`);
    }
    return Number(t);
  };
  const width = int('width', MAX_SIDE), height = int('height', MAX_SIDE), maxval = int('maxval', 65535);
  if (maxval !== 255) throw new DataFormatError(`${op}: only 8-bit images (maxval 255) are supported, got maxval ${maxval}`);
  if (at >= bytes.length || !isSpace(bytes[at])) throw new DataFormatError(`${op}: expected one whitespace byte after maxval`);
  at++;
  const channels = magic === 'P5' ? 1 : 3;
  const size = width * height * channels;
  if (bytes.length - at < size) {
    throw new DataFormatError(`${op}: ${width}×${height}×${channels} needs ${size} pixel bytes, the file has ${bytes.length - at}`);
  }
  return { width, height, channels, data: bytes.slice(at, at + size) };
}

/** Encodes 8-bit grey (1 channel) or RGB (3 channels) pixels as binary PGM / PPM. */
export function encodePnm(image: DecodedImage): Uint8Array {
  const { width, height, channels, data } = image;
  if (data.length !== width * height * channels) {
    throw new DataFormatError(`encodePnm: ${width}×${height}×${channels} needs ${width * height * channels} bytes, got ${data.length}`);
  }
  const header = new TextEncoder().encode(`${channels === 1 ? 'P5' : 'P6'}\n${width} ${height}\n255\n`);
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(data, header.length);
  return out;
}
