/**
 * bindings/io/pnm.ts: binary PGM / PPM round trips, and untrusted files — truncated at every byte,
 * hostile sizes, comments without an end, wrong magic or maxval — each a DataFormatError, never a hang,
 * a RangeError or an allocation larger than the file.
 */
import { describe, expect, it } from 'vitest';
import { DataFormatError } from '../../bindings/errors';
import { decodePnm, encodePnm } from '../../bindings/io/pnm';

const ascii = (s: string) => new TextEncoder().encode(s);
const rgb = { width: 3, height: 2, channels: 3 as const, data: Uint8Array.from({ length: 18 }, (_, i) => i * 13) };

describe('PGM / PPM', () => {
  it('round-trips grey and RGB images, with comments in the header', () => {
    expect(decodePnm(encodePnm(rgb))).toEqual(rgb);
    const grey = { width: 2, height: 2, channels: 1 as const, data: Uint8Array.from([0, 64, 128, 255]) };
    expect(decodePnm(encodePnm(grey))).toEqual(grey);
    const commented = Uint8Array.from([...ascii('P5 # a comment\n# another\n2 2\n255\n'), 1, 2, 3, 4]);
    expect(Array.from(decodePnm(commented).data)).toEqual([1, 2, 3, 4]);
  });

  it('every truncation of a valid file is a DataFormatError', () => {
    const file = encodePnm(rgb);
    for (let n = 0; n < file.length; n++) expect(() => decodePnm(file.subarray(0, n)), `${n} bytes`).toThrow(DataFormatError);
  });

  it('hostile headers are typed errors naming the field', () => {
    const cases: [string, RegExp][] = [
      ['P3\n1 1\n255\n', /magic/],
      ['P6\n0 1\n255\n', /width/],
      ['P6\n99999999 1\n255\n', /width/],
      ['P6\n16385 16385\n255\n', /width/],
      ['P6\n1 -1\n255\n', /height/],
      ['P6\n1 1\n65535\n', /maxval 65535/],
      ['P6\n1 1\n255', /whitespace byte after maxval/],
      ['P6\n1 1\n255\n', /needs 3 pixel bytes/],
      ['P5 #' + 'x'.repeat(10_000), /ends before its width/],
      ['P6\n1e3 1\n255\n', /width/],
    ];
    for (const [text, message] of cases) expect(() => decodePnm(ascii(text)), text.slice(0, 20)).toThrow(message);
    expect(() => decodePnm(ascii('P6\n1e3 1\n255\n'))).toThrow(DataFormatError);
  });
});
