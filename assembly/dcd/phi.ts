// Dynamic channel fusion Φ(x) applied at every pixel: w[n] = Φ[n]·z[n] over (L, HW) per sample.
// With B blocks (sparse dynamic residual) Φ[n] is block-diagonal: block b is lb×lb (lb = L/B) and
// mixes latent channels b·lb … b·lb+lb−1 only. Φ is stored row-major per sample: (N, B, lb, lb).

import { madd } from "../simd/madd";

// @ts-ignore: decorator
@inline function at(base: usize, i: i32): usize {
  return base + (<usize>i << 2);
}

/** dst[0..HW) += a · src[0..HW). */
// @ts-ignore: decorator
@inline function axpy(HW: i32, a: f32, src: usize, dst: usize): void {
  let p = 0;
  if (ASC_FEATURE_SIMD) {
    const va = f32x4.splat(a);
    for (; p + 4 <= HW; p += 4) v128.store(at(dst, p), madd(v128.load(at(src, p)), va, v128.load(at(dst, p))));
  }
  for (; p < HW; p++) store<f32>(at(dst, p), load<f32>(at(dst, p)) + load<f32>(at(src, p)) * a);
}

/** Σ a[p]·b[p] over HW. */
// @ts-ignore: decorator
@inline function dot(HW: i32, a: usize, b: usize): f32 {
  let s: f32 = 0;
  let p = 0;
  if (ASC_FEATURE_SIMD) {
    let acc = f32x4.splat(0);
    for (; p + 4 <= HW; p += 4) acc = madd(v128.load(at(a, p)), v128.load(at(b, p)), acc);
    s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
  }
  for (; p < HW; p++) s += load<f32>(at(a, p)) * load<f32>(at(b, p));
  return s;
}

/** w = Φ·z per sample and block; w must not alias z. */
export function dcdPhiForward(N: i32, B: i32, lb: i32, HW: i32, phi: usize, z: usize, w: usize): void {
  const L = B * lb;
  for (let n = 0; n < N; n++) {
    for (let b = 0; b < B; b++) {
      const phiB = at(phi, (n * B + b) * lb * lb);
      const zB = at(z, (n * L + b * lb) * HW);
      const wB = at(w, (n * L + b * lb) * HW);
      for (let i = 0; i < lb; i++) {
        const out = at(wB, i * HW);
        memory.fill(out, 0, <usize>HW << 2);
        for (let j = 0; j < lb; j++) axpy(HW, load<f32>(at(phiB, i * lb + j)), at(zB, j * HW), out);
      }
    }
  }
}

/**
 * Given dw = ∂L/∂w: dz += Φᵀ·dw (ACCUMULATES: dz already holds the identity path's gradient) and
 * dΦ[n] = dw[n]·z[n]ᵀ per block (overwrites; 0 = skip).
 */
export function dcdPhiBackward(N: i32, B: i32, lb: i32, HW: i32, phi: usize, z: usize, dw: usize, dz: usize, dphi: usize): void {
  const L = B * lb;
  for (let n = 0; n < N; n++) {
    for (let b = 0; b < B; b++) {
      const blk = (n * B + b) * lb * lb;
      const zB = at(z, (n * L + b * lb) * HW);
      const dwB = at(dw, (n * L + b * lb) * HW);
      const dzB = at(dz, (n * L + b * lb) * HW);
      for (let i = 0; i < lb; i++) {
        const g = at(dwB, i * HW);
        for (let j = 0; j < lb; j++) {
          if (dz) axpy(HW, load<f32>(at(phi, blk + i * lb + j)), g, at(dzB, j * HW));
          if (dphi) store<f32>(at(dphi, blk + i * lb + j), dot(HW, g, at(zB, j * HW)));
        }
      }
    }
  }
}
