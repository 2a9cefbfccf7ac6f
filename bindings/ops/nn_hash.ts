/**
 * The counter-based hash behind dropout masks: a pure function of (seed, element index), so every
 * backend — and the Python fixture generator, which implements the same definition — draws the same
 * mask for the same seed without sharing any generator state. assembly/nn/dropout.ts computes the
 * identical bits. Do not change these definitions: fixtures and saved seeds depend on them.
 *
 *   fmix32(a)       = MurmurHash3's 32-bit finaliser
 *   hash32(seed, i) = fmix32(seed ^ fmix32(i + 0x9E3779B9))
 *   unit(seed, i)   = (hash32(seed, i) >>> 8) / 2^24        in [0, 1), exact in float32
 *   fnv1a32(s)      = FNV-1a over the UTF-8 bytes of s (to derive seeds from names)
 */

/** MurmurHash3's finaliser on a uint32; returns a uint32. */
export function fmix32(a: number): number {
  a >>>= 0;
  a ^= a >>> 16;
  a = Math.imul(a, 0x85ebca6b);
  a ^= a >>> 13;
  a = Math.imul(a, 0xc2b2ae35);
  a ^= a >>> 16;
  return a >>> 0;
}

/** A uint32 from (seed, i), both taken as uint32. */
export function hash32(seed: number, i: number): number {
  return fmix32((seed ^ fmix32((i + 0x9e3779b9) >>> 0)) >>> 0);
}

/** A number in [0, 1) with 24 random bits (exactly representable in float32). */
export function unit(seed: number, i: number): number {
  return (hash32(seed, i) >>> 8) / 16777216;
}

/** FNV-1a 32-bit over the UTF-8 bytes of `s`. */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(s)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
