/**
 * Mutation fuzzer over safetensors files (issue 13): valid files made by our writer — tensors of every
 * supported size, metadata — are mutated (byte flips, truncations, insertions, a rewritten header
 * length, header JSON edits) and read back. Every outcome must be either a successful read whose
 * tensors fit inside the file, or a StateDictError: never another error (RangeError, TypeError, …),
 * never an allocation beyond the file's size. CI size by default, thousands under DCD_FUZZ=long.
 */
import { describe, expect, it } from 'vitest';
import { StateDictError } from '../../bindings/errors';
import { readSafetensors, writeSafetensors } from '../../bindings/io/safetensors';
import { FUZZ_SEED, FUZZ_TIMEOUT, fuzzCount } from '../harness/fuzz';
import { seededRandom } from '../harness/numeric';

function validFile(rand: () => number): Uint8Array {
  const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
  const count = 1 + Math.floor(rand() * 4);
  for (let t = 0; t < count; t++) {
    const shape = Array.from({ length: Math.floor(rand() * 4) }, () => 1 + Math.floor(rand() * 4));
    const size = shape.reduce((a, b) => a * b, 1);
    tensors[`layer${t}.${rand() < 0.5 ? 'weight' : 'bias'}`] = { shape, data: Float32Array.from({ length: size }, () => rand() * 2 - 1) };
  }
  return writeSafetensors(tensors, rand() < 0.5 ? { format: 'pt', note: 'fuzz' } : undefined);
}

/** One random mutation of `bytes` (a new array). */
function mutate(bytes: Uint8Array, rand: () => number): Uint8Array {
  const out = bytes.slice();
  const pick = (n: number) => Math.floor(rand() * n);
  const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  switch (pick(7)) {
    case 0: // flip a few bits anywhere
      for (let k = 1 + pick(4); k > 0; k--) out[pick(out.length)] ^= 1 << pick(8);
      return out;
    case 1: // flip a byte inside the header JSON (digits, brackets, quotes)
      out[8 + pick(Math.max(1, headerLength))] = '0123456789[]{}",:-.eE '.charCodeAt(pick(22));
      return out;
    case 2: // truncate
      return out.slice(0, pick(out.length));
    case 3: { // insert junk bytes
      const at = pick(out.length + 1);
      const junk = Uint8Array.from({ length: 1 + pick(16) }, () => pick(256));
      return Uint8Array.from([...out.slice(0, at), ...junk, ...out.slice(at)]);
    }
    case 4: { // a hostile header length
      const values = [0n, 1n, 7n, BigInt(headerLength + 1), BigInt(headerLength - 1), 2n ** 32n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n];
      new DataView(out.buffer).setBigUint64(0, values[pick(values.length)], true);
      return out;
    }
    case 5: { // rewrite a number in the header (offsets, shape entries) with an extreme one
      const text = new TextDecoder().decode(out.subarray(8, 8 + headerLength));
      const numbers = [...text.matchAll(/\d+/g)];
      if (numbers.length === 0) return out;
      const m = numbers[pick(numbers.length)];
      const extreme = ['0', '1', '4294967295', '2147483648', '9007199254740993', '1e308', '-1', '3.5'][pick(8)];
      const edited = new TextEncoder().encode(text.slice(0, m.index) + extreme + text.slice((m.index ?? 0) + m[0].length));
      const head = new Uint8Array(8);
      new DataView(head.buffer).setBigUint64(0, BigInt(edited.length), true);
      return Uint8Array.from([...head, ...edited, ...out.slice(8 + headerLength)]);
    }
    default: { // duplicate a key or swap a dtype
      const text = new TextDecoder().decode(out.subarray(8, 8 + headerLength));
      const edited0 = rand() < 0.5 ? text.replace('"F32"', ['"F16"', '"BF16"', '"F64"', '"I64"', '"BOOL"', '"F8"'][pick(6)])
        : text.replace(/^\{("[^"]+":\{[^}]*\})/, (all, first) => `{${first},${first}`);
      const edited = new TextEncoder().encode(edited0);
      const head = new Uint8Array(8);
      new DataView(head.buffer).setBigUint64(0, BigInt(edited.length), true);
      return Uint8Array.from([...head, ...edited, ...out.slice(8 + headerLength)]);
    }
  }
}

describe('safetensors mutation fuzzer', () => {
  it(`every mutated file reads correctly or throws StateDictError (${fuzzCount(3000, 100_000)} cases)`, () => {
    const signed = seededRandom(FUZZ_SEED); // uniform in [-1, 1)
    const rand = () => (signed() + 1) / 2;  // uniform in [0, 1)
    let rejected = 0, accepted = 0;
    const cases = fuzzCount(3000, 100_000);
    for (let i = 0; i < cases; i++) {
      const file = mutate(validFile(rand), rand);
      try {
        const read = readSafetensors(file);
        accepted++;
        // A read that succeeds never holds more values than the file has bytes for (f16 needs 2 per value).
        const values = Object.values(read.tensors).reduce((n, t) => n + t.data.length, 0);
        expect(values * 2, `case ${i}: ${values} values from ${file.length} bytes`).toBeLessThanOrEqual(file.length);
        for (const [name, t] of Object.entries(read.tensors)) {
          expect(t.data.length, `case ${i} ${name}`).toBe(t.shape.reduce((a, b) => a * b, 1));
        }
      } catch (e) {
        if (!(e instanceof StateDictError)) throw new Error(`case ${i} (seed ${FUZZ_SEED}): ${String(e)} is not a StateDictError`);
        expect(e.message.length).toBeGreaterThan(10);
        rejected++;
      }
    }
    expect(rejected + accepted).toBe(cases);
    // Most mutations must be caught; some (a flipped bit in tensor data) are valid files.
    expect(rejected).toBeGreaterThan(cases / 3);
  }, FUZZ_TIMEOUT);
});
