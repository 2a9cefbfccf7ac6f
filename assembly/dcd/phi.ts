// Dynamic channel fusion Φ(x) applied at every pixel: w[n] = Φ[n]·z[n] over (L, HW) per sample.
// With B blocks (sparse dynamic residual) Φ[n] is block-diagonal: block b is lb×lb (lb = L/B) and
// mixes latent channels b·lb … b·lb+lb−1 only. Φ is stored row-major per sample: (N, B, lb, lb).

import { madd } from "../simd/madd";

// @ts-ignore: decorator
@inline function at(base: usize, i: i32): usize {
  return base + (<usize>i << 2);
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

/**
 * dst_r (+)= Σ_s c[r·rs + s·ss]·src_s over lb rows of HW pixels (rows HW apart), s in order, 4 pixels at
 * a time over all s: each dst row is read and written once (an axpy per (r, s) wrote it lb times). The
 * per-element operations are axpy's (madd(src, c, acc)), so the bits are those of lb axpy passes.
 */
// @ts-ignore: decorator
@inline function mixRows(HW: i32, lb: i32, c: usize, rs: i32, ss: i32, src: usize, dst: usize, accumulate: bool): void {
  let p = 0;
  if (ASC_FEATURE_SIMD) {
    for (; p + 4 <= HW; p += 4) {
      for (let r = 0; r < lb; r++) {
        const out = at(dst, r * HW + p);
        let acc = accumulate ? v128.load(out) : f32x4.splat(0);
        for (let s = 0; s < lb; s++) {
          acc = madd(v128.load(at(src, s * HW + p)), f32x4.splat(load<f32>(at(c, r * rs + s * ss))), acc);
        }
        v128.store(out, acc);
      }
    }
  }
  for (; p < HW; p++) {
    for (let r = 0; r < lb; r++) {
      const out = at(dst, r * HW + p);
      let acc: f32 = accumulate ? load<f32>(out) : 0;
      for (let s = 0; s < lb; s++) acc = acc + load<f32>(at(src, s * HW + p)) * load<f32>(at(c, r * rs + s * ss));
      store<f32>(out, acc);
    }
  }
}

/** out[k] = dot(HW, a, b + k·HW) for k < 4 (rows of b HW apart), each summed in dot()'s order. */
// @ts-ignore: decorator
@inline function dot4(HW: i32, a: usize, b: usize, out: usize): void {
  const row = <usize>HW << 2;
  let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
  let p = 0;
  if (ASC_FEATURE_SIMD) {
    let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
    for (; p + 4 <= HW; p += 4) {
      const va = v128.load(at(a, p)), bp = at(b, p);
      c0 = madd(va, v128.load(bp), c0);
      c1 = madd(va, v128.load(bp + row), c1);
      c2 = madd(va, v128.load(bp + 2 * row), c2);
      c3 = madd(va, v128.load(bp + 3 * row), c3);
    }
    s0 = f32x4.extract_lane(c0, 0) + f32x4.extract_lane(c0, 1) + f32x4.extract_lane(c0, 2) + f32x4.extract_lane(c0, 3);
    s1 = f32x4.extract_lane(c1, 0) + f32x4.extract_lane(c1, 1) + f32x4.extract_lane(c1, 2) + f32x4.extract_lane(c1, 3);
    s2 = f32x4.extract_lane(c2, 0) + f32x4.extract_lane(c2, 1) + f32x4.extract_lane(c2, 2) + f32x4.extract_lane(c2, 3);
    s3 = f32x4.extract_lane(c3, 0) + f32x4.extract_lane(c3, 1) + f32x4.extract_lane(c3, 2) + f32x4.extract_lane(c3, 3);
  }
  for (; p < HW; p++) {
    const av = load<f32>(at(a, p)), bp = at(b, p);
    s0 += av * load<f32>(bp);
    s1 += av * load<f32>(bp + row);
    s2 += av * load<f32>(bp + 2 * row);
    s3 += av * load<f32>(bp + 3 * row);
  }
  store<f32>(out, s0);
  store<f32>(at(out, 1), s1);
  store<f32>(at(out, 2), s2);
  store<f32>(at(out, 3), s3);
}

/** w = Φ·z per sample and block; w must not alias z. */
export function dcdPhiForward(N: i32, B: i32, lb: i32, HW: i32, phi: usize, z: usize, w: usize): void {
  const L = B * lb;
  for (let n = 0; n < N; n++) {
    for (let b = 0; b < B; b++) {
      const phiB = at(phi, (n * B + b) * lb * lb);
      const zB = at(z, (n * L + b * lb) * HW);
      const wB = at(w, (n * L + b * lb) * HW);
      // w_i = Σ_j φ_ij·z_j, 4 pixels at a time over all j (each w_i written once, not lb times), summed
      // from 0 in j order as axpy passes into a zeroed w_i would
      mixRows(HW, lb, phiB, lb, 1, zB, wB, false);
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
      // dz_j += Σ_i φ_ij·dw_i (Φᵀ: coefficient of row i at φ + i·lb + j), in i order
      if (dz) mixRows(HW, lb, at(phi, blk), 1, lb, dwB, dzB, true);
      for (let i = 0; i < lb; i++) {
        const g = at(dwB, i * HW);
        if (!dphi) continue;
        // four dots at once: g is loaded once for four z rows and the four sums are independent chains
        // (one dot at a time waited on the madd latency: dcdPhiBackward was 1.4 % of the DCD CNN's
        // training step); each dot sums in dot()'s order, so the bits are dot()'s
        let j = 0;
        for (; j + 4 <= lb; j += 4) dot4(HW, g, at(zB, j * HW), at(dphi, blk + i * lb + j));
        for (; j < lb; j++) store<f32>(at(dphi, blk + i * lb + j), dot(HW, g, at(zB, j * HW)));
      }
    }
  }
}
