// Blocking parameters of the GEMM, chosen per build at compile time.
//
// SIMD: a 4×8 micro-tile = 8 f32x4 accumulators + 2 B vectors + 4 broadcasts (+ 1 product), which
// fits the 15 xmm registers V8 leaves wasm on x86-64 (see microkernel.ts for why not 6×8).
// Scalar: 4×4 tiles, computed as two 2×4 passes (8 f32 accumulators; 16 spilled, microkernel.ts).
// KC keeps an A micro-panel (MR×KC) plus a B micro-panel (KC×NR) in L1; MC×KC of packed A stays
// in L2; NC bounds the packed B block so the workspace stays ~1 MB.

export const MR: i32 = 4;
// The wide tile (SIMD builds; the default only in the relaxed-SIMD one, see microkernel.ts):
// MR_WIDE × NR = 5×8 from a packed A, for products with at least WIDE_MIN_N columns. MC_WIDE rows
// of packed A per block (a multiple of MR_WIDE; 120×KC floats stay in L2).
export const MR_WIDE: i32 = 5;
export const MC_WIDE: i32 = 120;
export const WIDE_MIN_N: i32 = 128;
// ... or at least WIDE_MIN_N_SMALL_A (a 7² plane's 49) when A has at most WIDE_SMALL_A_FLOATS (1 MB, so
// the per-call pack stays in L2): DCD-MobileNetV2's 7² layers (q: 1×1 960→40; W0, 960→160: 154K
// floats, when not pre-packed) then take the wide tile instead of the 4×8 one reading A in place —
// the planned network −2.4 % with W0 packed per call, −3.8 % with W0 pre-packed (same-process A/B,
// relaxed, batch 1). Bigger A lost: 3×3 512→512 @7² (2.4M floats) +4.8 %, 1×1 2048→512 @7² (1M) +1.3 %.
export const WIDE_MIN_N_SMALL_A: i32 = 48;
export const WIDE_SMALL_A_FLOATS: i32 = 1 << 18;
// ... and at least WIDE_MIN_M rows: a short product (DCD's q, 1×1 256→16: M = 16 = 3·5 + 1) wastes
// most of its last 5-row panel and packs A for a handful of tiles, where the 4×8 path reads A in place.
export const WIDE_MIN_M: i32 = 32;
export const NR: i32 = ASC_FEATURE_SIMD ? 8 : 4;
export const KC: i32 = 256;
export const MC: i32 = 96; // multiple of MR
export const NC: i32 = 1024; // multiple of both NRs (8 and 4)

/** Round `x` up to a multiple of `m`. */
// @ts-ignore: decorator
@inline export function roundUp(x: i32, m: i32): i32 {
  return (x + m - 1) / m * m;
}

/** Round a byte count up to a multiple of 64 so every workspace region is cache-line aligned. */
// @ts-ignore: decorator
@inline export function align64(bytes: usize): usize {
  return (bytes + 63) & ~(<usize>63);
}
