/**
 * safetensors in and out (bindings/io/safetensors.ts): the reference implementation's own byte-exact
 * test vectors, files written by tools/convert_checkpoint.py from a PyTorch checkpoint (values compared
 * bit for bit with torch's), every float dtype against torch's .float(), round trips through a DCD
 * layer's state dict, and a table of hostile files — each a StateDictError, never a RangeError or an
 * allocation of a size the file does not back.
 */
import { describe, expect, it } from 'vitest';
import ioJson from '../fixtures/io.json' with { type: 'json' };
import { decodeTensor, type TensorEntry } from '../fixtures/decode';
import {
  DCDConv2d, halfToFloat, initSync, readSafetensors, safetensorsFromStateDict, StateDictError,
  stateDictFromSafetensors, writeSafetensors,
} from '../../bindings/index';
import { decodeBase64 } from '../../bindings/runtime/base64';

interface IoFixture {
  checkpoint: {
    f32: string; f16: string; metadata: Record<string, string>;
    expected: Record<string, TensorEntry>; expectedF16: Record<string, TensorEntry>;
  };
  dtypes: { file: string; stored: Record<string, string>; expected: Record<string, TensorEntry> };
}
const fixture = ioJson as unknown as IoFixture;

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.slice().buffer));
const ascii = (s: string) => new TextEncoder().encode(s);

/** A file from a header (JSON text, used as is) and a data section; `headerLength` overrides the prefix. */
function file(header: string, data: Uint8Array | number = 0, headerLength?: bigint): Uint8Array {
  const h = ascii(header);
  const body = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + h.length + body.length);
  new DataView(out.buffer).setBigUint64(0, headerLength ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(body, 8 + h.length);
  return out;
}

const f32 = (dtype = 'F32', shape = '[2]', offsets = '[0,8]') => `{"dtype":"${dtype}","shape":${shape},"data_offsets":${offsets}}`;

function expectStateDictError(call: () => unknown, message: RegExp): void {
  let error: unknown;
  try {
    call();
  } catch (e) {
    error = e;
  }
  expect(error, 'expected a StateDictError').toBeInstanceOf(StateDictError);
  expect((error as StateDictError).code).toBe('E_STATE_DICT');
  expect((error as Error).message).toMatch(message);
}

describe('writeSafetensors: byte-exact with the reference implementation', () => {
  // The byte vectors of huggingface/safetensors' own serialization tests (safetensors/src/tensor.rs).
  const floats = new Float32Array([0, 1, 2, 3, 4, 5]);
  const floatBytes = [0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64];

  it('one tensor whose header needs no padding', () => {
    const header = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    const want = [64, 0, 0, 0, 0, 0, 0, 0, ...ascii(header), ...floatBytes];
    expect(Array.from(writeSafetensors({ 'attn.0': { shape: [1, 2, 3], data: floats } }))).toEqual(want);
  });

  it('a header padded with spaces to 8 bytes (data stays 8-byte aligned)', () => {
    const header = '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       ';
    const want = [72, 0, 0, 0, 0, 0, 0, 0, ...ascii(header), ...floatBytes];
    expect(Array.from(writeSafetensors({ attn0: { shape: [1, 1, 2, 3], data: floats } }))).toEqual(want);
  });

  it('no tensors, with and without metadata', () => {
    expect(Array.from(writeSafetensors({}))).toEqual([8, 0, 0, 0, 0, 0, 0, 0, ...ascii('{}      ')]);
    expect(Array.from(writeSafetensors({}, { framework: 'pt' })))
      .toEqual([40, 0, 0, 0, 0, 0, 0, 0, ...ascii('{"__metadata__":{"framework":"pt"}}     ')]);
  });

  it('sorts tensors by name (code points, as Rust and Python) and lays data out in that order', () => {
    const t = (v: number) => ({ shape: [1], data: new Float32Array([v]) });
    const bytes = writeSafetensors({ b: t(2), 'a.z': t(1), B: t(0), 'é': t(4), '\u{1F600}': t(6), '\uFFFD': t(5), c: t(3) });
    const read = readSafetensors(bytes);
    expect(Object.keys(read.tensors)).toEqual(['B', 'a.z', 'b', 'c', 'é', '\uFFFD', '\u{1F600}']);
    expect(Object.values(read.tensors).map((x) => x.data[0])).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('matches what tools/convert_checkpoint.py wrote for the PyTorch checkpoint', () => {
    const pythonBytes = decodeBase64(fixture.checkpoint.f32);
    const read = readSafetensors(pythonBytes);
    const again = writeSafetensors(read.tensors, read.metadata);
    expect(Array.from(again)).toEqual(Array.from(pythonBytes));
  });
});

describe('readSafetensors: PyTorch files', () => {
  it('reads the converted checkpoint with the values torch holds, bit for bit', () => {
    const read = readSafetensors(decodeBase64(fixture.checkpoint.f32));
    expect(read.metadata).toEqual(fixture.checkpoint.metadata);
    expect(Object.keys(read.tensors).sort()).toEqual(Object.keys(fixture.checkpoint.expected).sort());
    for (const [name, entry] of Object.entries(fixture.checkpoint.expected)) {
      const want = decodeTensor(entry);
      expect(read.tensors[name]!.shape, name).toEqual(want.shape);
      expect(read.tensors[name]!.dtype).toBe('F32');
      expect(bits(read.tensors[name]!.data), name).toEqual(bits(want.data));
    }
    // 'module.' was stripped and num_batches_tracked dropped by the converter.
    expect(Object.keys(read.tensors).some((n) => n.startsWith('module.') || n.endsWith('num_batches_tracked'))).toBe(false);
  });

  it('reads the --dtype f16 conversion as torch .half().float()', () => {
    const read = readSafetensors(decodeBase64(fixture.checkpoint.f16));
    for (const [name, entry] of Object.entries(fixture.checkpoint.expectedF16)) {
      expect(read.tensors[name]!.dtype).toBe('F16');
      expect(bits(read.tensors[name]!.data), name).toEqual(bits(decodeTensor(entry).data));
    }
  });

  it('converts F16 (subnormals, ±inf, NaN), BF16 and F64 exactly as torch .float()', () => {
    const read = readSafetensors(decodeBase64(fixture.dtypes.file));
    for (const [name, entry] of Object.entries(fixture.dtypes.expected)) {
      const want = decodeTensor(entry);
      const got = read.tensors[name]!;
      expect(got.dtype, name).toBe(fixture.dtypes.stored[name]);
      expect(got.shape, name).toEqual(want.shape);
      // NaN payloads may differ between converters; everything else must be the same bits.
      const g = bits(got.data).map((b, i) => (Number.isNaN(got.data[i]) ? 'NaN' : b));
      const w = bits(want.data).map((b, i) => (Number.isNaN(want.data[i]) ? 'NaN' : b));
      expect(g, name).toEqual(w);
    }
  });

  it('halfToFloat agrees with an independent bit-level decoding on all 65536 halves', () => {
    const view = new DataView(new ArrayBuffer(4));
    for (let h = 0; h < 0x10000; h++) {
      const sign = h >>> 15, exponent = (h >>> 10) & 0x1f, mantissa = h & 0x3ff;
      let want: number;
      if (exponent === 0x1f) {
        want = mantissa === 0 ? (sign ? -Infinity : Infinity) : NaN;
      } else if (exponent === 0) {
        want = (sign ? -1 : 1) * (mantissa / 1024) * 2 ** -14;
      } else {
        view.setUint32(0, (sign << 31) | ((exponent - 15 + 127) << 23) | (mantissa << 13));
        want = view.getFloat32(0);
      }
      if (!Object.is(halfToFloat(h), want)) expect(halfToFloat(h), `half 0x${h.toString(16)}`).toBe(want);
    }
  });
});

describe('round trips', () => {
  it('write → read keeps shapes, metadata and every bit (−0, ±inf, NaN, subnormals, empty, scalar)', () => {
    const tensors = {
      'conv.weight': { shape: [2, 1, 3, 3], data: Float32Array.from({ length: 18 }, (_, i) => i * 0.37 - 1.5) },
      special: { shape: [6], data: new Float32Array([-0, Infinity, -Infinity, NaN, 1e-45, 3.4028234663852886e38]) },
      empty: { shape: [0, 4], data: new Float32Array(0) },
      scalar: { shape: [], data: new Float32Array([42.5]) },
    };
    const bytes = writeSafetensors(tensors, { format: 'pt', note: 'quote " backslash \\ newline \n é' });
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLength % 8).toBe(0);
    const read = readSafetensors(bytes.buffer as ArrayBuffer);
    expect(read.metadata).toEqual({ format: 'pt', note: 'quote " backslash \\ newline \n é' });
    for (const [name, t] of Object.entries(tensors)) {
      expect(read.tensors[name]!.shape).toEqual(t.shape);
      expect(bits(read.tensors[name]!.data), name).toEqual(bits(t.data));
    }
  });

  it('returns fresh arrays: changing the file afterwards changes nothing', () => {
    const bytes = writeSafetensors({ w: { shape: [2], data: new Float32Array([1, 2]) } });
    const read = readSafetensors(bytes);
    bytes.fill(0);
    expect(Array.from(read.tensors.w!.data)).toEqual([1, 2]);
  });

  it('reads a file inside a larger buffer, with data not 4-byte aligned (an unpadded header)', () => {
    const header = `{"a":${f32('F32', '[2]', '[0,8]')},"h":${f32('F16', '[1]', '[8,10]')}}`;
    const data = new Uint8Array(10);
    new DataView(data.buffer).setFloat32(0, 1.5, true);
    new DataView(data.buffer).setFloat32(4, -2, true);
    new DataView(data.buffer).setUint16(8, 0x3c00, true); // half 1.0
    const inner = file(header, data);
    const outer = new Uint8Array(inner.length + 3);
    outer.set(inner, 3);
    const read = readSafetensors(outer.subarray(3));
    expect(Array.from(read.tensors.a!.data)).toEqual([1.5, -2]);
    expect(Array.from(read.tensors.h!.data)).toEqual([1]);
  });

  it('reads a file in shared memory (where the runtime has SharedArrayBuffer)', () => {
    if (typeof SharedArrayBuffer === 'undefined') return;
    const bytes = writeSafetensors({ w: { shape: [2], data: new Float32Array([1, -2]) } }, { k: 'v' });
    const shared = new Uint8Array(new SharedArrayBuffer(bytes.length));
    shared.set(bytes);
    const read = readSafetensors(shared);
    expect(read.metadata).toEqual({ k: 'v' });
    expect(Array.from(read.tensors.w!.data)).toEqual([1, -2]);
  });

  it('a DCD layer state dict → safetensors → loadStateDict of a fresh layer gives the same tensors', () => {
    const m = initSync({ backend: 'js' });
    const options = { inChannels: 8, outChannels: 8, kernelSize: 3, stride: 1, padding: 1 };
    const source = new DCDConv2d(m, options);
    const sd = source.stateDict();
    for (const t of Object.values(sd)) for (let i = 0; i < t.data.length; i++) t.data[i] = Math.sin(i + t.data.length);
    const bytes = safetensorsFromStateDict(sd, { format: 'pt' });
    const target = new DCDConv2d(m, options).loadStateDict(stateDictFromSafetensors(bytes));
    const loaded = target.stateDict();
    expect(Object.keys(loaded).sort()).toEqual(Object.keys(sd).sort());
    for (const [name, t] of Object.entries(sd)) expect(bits(loaded[name]!.data), name).toEqual(bits(t.data));
    source.dispose();
    target.dispose();
  });

  it('stateDictFromSafetensors skips integer num_batches_tracked counters, refuses other integer tensors', () => {
    const counter = `{"bn.num_batches_tracked":${f32('I64', '[]', '[0,8]')},"bn.weight":${f32('F32', '[1]', '[8,12]')}}`;
    const sd = stateDictFromSafetensors(file(counter, 12));
    expect(Object.keys(sd)).toEqual(['bn.weight']);
    const skipped = readSafetensors(file(counter, 12), { skip: (name) => name.endsWith('num_batches_tracked') }).skipped;
    expect(skipped).toEqual([{ name: 'bn.num_batches_tracked', dtype: 'I64' }]);
    expectStateDictError(() => stateDictFromSafetensors(file(`{"bn.ids":${f32('I64', '[]', '[0,8]')}}`, 8)), /'bn\.ids'.*I64/);
  });

  it('a tensor named __proto__ is a plain entry, not a prototype', () => {
    const read = readSafetensors(file(`{"__proto__":${f32()}}`, 8));
    expect(Object.keys(read.tensors)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(read.tensors)).toBe(Object.prototype);
  });
});

describe('hostile files: each is a StateDictError naming the problem', () => {
  const valid = writeSafetensors({
    a: { shape: [2], data: new Float32Array([1, 2]) },
    b: { shape: [1, 1], data: new Float32Array([3]) },
  }, { k: 'v' });

  it('truncated at every byte', () => {
    expect(readSafetensors(valid).tensors.b!.data[0]).toBe(3);
    for (let n = 0; n < valid.length; n++) {
      expectStateDictError(() => readSafetensors(valid.slice(0, n)), /safetensors/);
    }
  });

  it('one byte appended', () => {
    const longer = new Uint8Array(valid.length + 1);
    longer.set(valid);
    expectStateDictError(() => readSafetensors(longer), /1 trailing bytes/);
  });

  const cases: [string, () => Uint8Array, RegExp][] = [
    ['shorter than 8 bytes', () => new Uint8Array(7), /fewer than the 8/],
    ['header length 2^53', () => file('{}', 0, 2n ** 53n), /header length 9007199254740992 exceeds/],
    ['header length 2^64 − 1', () => file('{}', 0, 2n ** 64n - 1n), /header length 18446744073709551615 exceeds/],
    ['header length just over 100 MB', () => file('{}', 0, 100_000_001n), /exceeds the limit of 100000000/],
    ['header length past the end', () => file('{}', 0, 3n), /runs past the end of the file/],
    ['header not UTF-8', () => { const f = file('{"a" }'); f[10] = 0xff; return f; }, /not valid UTF-8/],
    ['a byte-order mark before the object', () => file('\uFEFF{}'), /starting with '\{'/],
    ['header a JSON array', () => file('[]'), /starting with '\{'/],
    ['header empty', () => file(''), /starting with '\{'/],
    ['header not JSON', () => file('{"a":}'), /not valid JSON/],
    ['garbage after the object', () => file('{} x'), /not valid JSON.*after the header/],
    ['unterminated string', () => file('{"a'), /unterminated string/],
    ['nesting 1000 deep', () => file(`{"a":${'['.repeat(1000)}${']'.repeat(1000)}}`), /nesting deeper/],
    ['__metadata__ an array', () => file('{"__metadata__":["x"]}'), /__metadata__ must be an object/],
    ['__metadata__ value a number', () => file('{"__metadata__":{"epoch":7}}'), /__metadata__\['epoch'\] must be a string/],
    ['entry not an object', () => file('{"w":[1,2]}'), /tensor 'w' must be an object/],
    ['entry with an unknown field', () => file('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"offsets":[0,8]}}', 8), /'w' has an unknown field 'offsets'/],
    ['entry without data_offsets', () => file('{"w":{"dtype":"F32","shape":[2]}}', 8), /'w' has no 'data_offsets'/],
    ['unknown dtype', () => file(`{"w":${f32('F31')}}`, 8), /'w' has an unknown dtype "F31"/],
    ['dtype "toString" (a prototype key)', () => file(`{"w":${f32('toString')}}`, 8), /unknown dtype "toString"/],
    ['dtype a number', () => file('{"w":{"dtype":4,"shape":[2],"data_offsets":[0,8]}}', 8), /'w': dtype must be a string/],
    ['dtype I64', () => file(`{"w":${f32('I64', '[1]')}}`, 8), /'w' has dtype I64, which does not convert/],
    ['dtype I32', () => file(`{"w":${f32('I32', '[2]')}}`, 8), /'w' has dtype I32/],
    ['dtype BOOL', () => file(`{"w":${f32('BOOL', '[8]')}}`, 8), /'w' has dtype BOOL/],
    ['dtype U8', () => file(`{"w":${f32('U8', '[8]')}}`, 8), /'w' has dtype U8/],
    ['shape not an array', () => file(`{"w":${f32('F32', '2')}}`, 8), /'w': shape must be an array/],
    ['negative dimension', () => file(`{"w":${f32('F32', '[-2]')}}`, 8), /'w': shape must be an array of non-negative/],
    ['fractional dimension', () => file(`{"w":${f32('F32', '[1.5]')}}`, 8), /'w': shape/],
    ['dimension written 2.0', () => file(`{"w":${f32('F32', '[2.0]')}}`, 8), /'w': shape/],
    ['dimension written 2e0', () => file(`{"w":${f32('F32', '[2e0]')}}`, 8), /'w': shape/],
    ['dimension 2^53', () => file(`{"w":${f32('F32', '[9007199254740992]')}}`, 8), /'w': shape/],
    ['dimension a string', () => file(`{"w":${f32('F32', '["2"]')}}`, 8), /'w': shape/],
    ['shape [2^31, 2^31, 2^31] (overflows 64-bit products)', () => file(`{"w":${f32('F32', '[2147483648,2147483648,2147483648]')}}`, 8),
      /'w': shape \[2147483648, 2147483648, 2147483648\] of F32 needs 39614081257132168796771975168 bytes but data_offsets give 8/],
    ['shape [2^32, 2^32] of F32 (wraps to 0 mod 2^64)', () => file(`{"w":${f32('F32', '[4294967296,4294967296]', '[0,0]')}}`), /'w': shape.*needs 73786976294838206464 bytes/],
    ['byte length ≠ shape × itemsize', () => file(`{"w":${f32('F32', '[3]')}}`, 8), /'w': shape \[3\] of F32 needs 12 bytes but data_offsets give 8/],
    ['data_offsets of one number', () => file(`{"w":${f32('F32', '[2]', '[8]')}}`, 8), /'w': data_offsets must be two/],
    ['data_offsets of three numbers', () => file(`{"w":${f32('F32', '[2]', '[0,8,8]')}}`, 8), /'w': data_offsets must be two/],
    ['negative offset', () => file(`{"w":${f32('F32', '[2]', '[-8,0]')}}`, 8), /'w': data_offsets must be two non-negative/],
    ['offset 2^64', () => file(`{"w":${f32('F32', '[2]', '[18446744073709551616,18446744073709551624]')}}`, 8), /'w': data_offsets must be/],
    ['begin > end', () => file(`{"w":${f32('F32', '[0]', '[8,0]')}}`, 8), /'w': data_offsets \[8, 0\] has begin > end/],
    ['end past the data section', () => file(`{"w":${f32('F32', '[4]', '[0,16]')}}`, 8), /'w': data_offsets \[0, 16\] run past the data section \(8 bytes\)/],
    ['overlapping tensors', () => file(`{"a":${f32('F32', '[2]', '[0,8]')},"b":${f32('F32', '[2]', '[4,12]')}}`, 12), /'b' \[4, 12\] overlaps tensor 'a' \[0, 8\]/],
    ['two tensors on the same bytes', () => file(`{"a":${f32()},"b":${f32()}}`, 8), /overlaps/],
    ['a zero-size tensor inside another', () => file(`{"a":${f32()},"z":${f32('F32', '[0]', '[4,4]')}}`, 8), /'z' \[4, 4\] overlaps tensor 'a'/],
    ['a hole between tensors', () => file(`{"a":${f32('F32', '[1]', '[0,4]')},"b":${f32('F32', '[1]', '[8,12]')}}`, 12), /bytes \[4, 8\) .* before tensor 'b' belong to no tensor/],
    ['a hole at the start', () => file(`{"a":${f32('F32', '[1]', '[4,8]')}}`, 8), /bytes \[0, 4\)/],
    ['trailing bytes', () => file(`{"a":${f32()}}`, 12), /4 trailing bytes after the last tensor/],
    ['duplicate tensor names', () => file(`{"w":${f32()},"w":${f32()}}`, 8), /the key 'w' twice in the header/],
    ['duplicate names, one written with an escape', () => file(`{"w":${f32()},"\\u0077":${f32()}}`, 8), /the key 'w' twice/],
    ['duplicate field inside an entry', () => file('{"w":{"dtype":"F32","dtype":"F16","shape":[2],"data_offsets":[0,8]}}', 8), /the key 'dtype' twice in 'w'/],
    ['duplicate metadata key', () => file('{"__metadata__":{"a":"1","a":"2"}}'), /the key 'a' twice in '__metadata__'/],
    ['duplicate __metadata__', () => file('{"__metadata__":{},"__metadata__":{}}'), /the key '__metadata__' twice/],
    ['a lone surrogate escape in a name', () => file(`{"\\ud800":${f32()}}`, 8), /lone surrogate/],
    ['a raw control character in a name', () => file(`{"a\nb":${f32()}}`, 8), /control character/],
  ];
  for (const [what, make, message] of cases) {
    it(what, () => expectStateDictError(() => readSafetensors(make()), message));
  }

  it('bytes of the wrong type', () => {
    expectStateDictError(() => readSafetensors('{}' as unknown as Uint8Array), /must be a Uint8Array or an ArrayBuffer, got string/);
    expectStateDictError(() => readSafetensors(new Float32Array(4) as unknown as Uint8Array), /got a Float32Array/);
  });

  it('bad options', () => {
    expectStateDictError(() => readSafetensors(valid, { maxHeaderBytes: 1e9 }), /maxHeaderBytes/);
    expectStateDictError(() => readSafetensors(valid, { skip: 'I64' as never }), /options\.skip must be a function/);
    expectStateDictError(() => readSafetensors(valid, { maxHeaderBytes: 16 }), /header length \d+ exceeds the limit of 16/);
    expectStateDictError(() => readSafetensors(valid, null as never), /options must be an object, got null/);
  });
});

describe('writeSafetensors: bad input', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['data of the wrong length', () => writeSafetensors({ w: { shape: [2, 2], data: new Float32Array(3) } }), /'w': shape \[2, 2\] has 4 elements but data has 3/],
    ['data not a Float32Array', () => writeSafetensors({ w: { shape: [2], data: new Float64Array(2) as unknown as Float32Array } }), /'w': data must be a Float32Array, got a Float64Array/],
    ['negative dimension', () => writeSafetensors({ w: { shape: [-1], data: new Float32Array(0) } }), /'w': shape must be/],
    ['a tensor named __metadata__', () => writeSafetensors({ __metadata__: { shape: [0], data: new Float32Array(0) } }), /"__metadata__" cannot be a tensor name/],
    ['an empty name', () => writeSafetensors({ '': { shape: [0], data: new Float32Array(0) } }), /cannot be a tensor name/],
    ['a lone surrogate in a name', () => writeSafetensors({ '\uD800': { shape: [0], data: new Float32Array(0) } }), /not valid Unicode/],
    ['a tensor that is not an object', () => writeSafetensors({ w: 3 as never }), /'w' must be \{ shape, data \}/],
    ['metadata value not a string', () => writeSafetensors({}, { epoch: 7 as unknown as string }), /metadata\['epoch'\] must be/],
    ['metadata an array', () => writeSafetensors({}, ['x'] as unknown as Record<string, string>), /metadata must be an object/],
    ['state dict entry null', () => safetensorsFromStateDict({ w: null as never }), /'w' must be \{ shape, data \}/],
  ];
  for (const [what, call, message] of cases) it(what, () => expectStateDictError(call, message));

  it('safetensorsFromStateDict converts number arrays to float32', () => {
    const read = readSafetensors(safetensorsFromStateDict({ w: { shape: [3], data: [0.1, 2, -3] } }));
    expect(Array.from(read.tensors.w!.data)).toEqual(Array.from(new Float32Array([0.1, 2, -3])));
  });
});
