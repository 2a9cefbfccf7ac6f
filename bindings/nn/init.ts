/**
 * Deterministic parameter initialisation for layers, with PyTorch's default bounds (kaiming-uniform
 * with a = √5 gives U(−1/√fan_in, 1/√fan_in) for Linear and Conv2d weights). Seeded, so a layer built
 * twice with the same seed has the same weights in every runtime.
 */

/** mulberry32: a tiny seeded PRNG giving floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** U(−bound, bound) values for a tensor of `shape`. */
export function uniform(shape: readonly number[], bound: number, random: () => number): Float32Array {
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < out.length; i++) out[i] = (2 * random() - 1) * bound;
  return out;
}

/** PyTorch's default weight init for Linear (out, in) and Conv2d (out, in/g, kh, kw): fan_in = ∏ shape[1:]. */
export function defaultWeight(shape: readonly number[], random: () => number): Float32Array {
  const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
  return uniform(shape, fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0, random);
}

export const filled = (shape: readonly number[], value: number): Float32Array =>
  new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(value);
