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
 * dst_r (+)= Σ_s c[r·rs + s·ss]·src_s over lb rows of HW pixels (rows HW apart), s in order: each dst
 * row is read and written once (an axpy per (r, s) wrote it lb times). Four rows × 8 pixels at a time
 * share each source load and keep 8 independent chains: one row × 4 pixels per step (a load, a
 * coefficient splat and one madd per 4 products) ran Φ at ~5 GMAC/s, 10 of the DCD CNN's ~68 ms per
 * training step over its static twin. The per-element operations are axpy's (madd(src, c, acc) from 0,
 * or from dst when accumulating), so the bits are those of lb axpy passes, whatever the blocking.
 */
// @ts-ignore: decorator
@inline function mixRows(HW: i32, lb: i32, c: usize, rs: i32, ss: i32, src: usize, dst: usize, accumulate: bool): void {
  let r = 0;
  if (ASC_FEATURE_SIMD) {
    for (; r + 4 <= lb; r += 4) mixFourRows(HW, lb, at(c, r * rs), rs, ss, src, at(dst, r * HW), accumulate);
  }
  for (; r < lb; r++) mixRow(HW, lb, at(c, r * rs), ss, src, at(dst, r * HW), accumulate);
}

/** mixRows for four rows (coefficients of row k at c + k·rs, s at + s·ss), 8 then 4 pixels at a time. */
function mixFourRows(HW: i32, lb: i32, c: usize, rs: i32, ss: i32, src: usize, dst: usize, accumulate: bool): void {
  const row = <usize>HW << 2, rsB = <usize>rs << 2, ssB = <usize>ss << 2;
  let p = 0;
  for (; p + 8 <= HW; p += 8) {
    const o = at(dst, p);
    let a0 = f32x4.splat(0), a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0, d0 = a0, d1 = a0;
    if (accumulate) {
      a0 = v128.load(o); a1 = v128.load(o, 16);
      b0 = v128.load(o + row); b1 = v128.load(o + row, 16);
      c0 = v128.load(o + 2 * row); c1 = v128.load(o + 2 * row, 16);
      d0 = v128.load(o + 3 * row); d1 = v128.load(o + 3 * row, 16);
    }
    let sp = at(src, p), cs = c;
    for (let s = 0; s < lb; s++) {
      const x0 = v128.load(sp), x1 = v128.load(sp, 16);
      const k0 = f32x4.splat(load<f32>(cs)), k1 = f32x4.splat(load<f32>(cs + rsB));
      const k2 = f32x4.splat(load<f32>(cs + 2 * rsB)), k3 = f32x4.splat(load<f32>(cs + 3 * rsB));
      a0 = madd(x0, k0, a0); a1 = madd(x1, k0, a1);
      b0 = madd(x0, k1, b0); b1 = madd(x1, k1, b1);
      c0 = madd(x0, k2, c0); c1 = madd(x1, k2, c1);
      d0 = madd(x0, k3, d0); d1 = madd(x1, k3, d1);
      sp += row; cs += ssB;
    }
    v128.store(o, a0); v128.store(o, a1, 16);
    v128.store(o + row, b0); v128.store(o + row, b1, 16);
    v128.store(o + 2 * row, c0); v128.store(o + 2 * row, c1, 16);
    v128.store(o + 3 * row, d0); v128.store(o + 3 * row, d1, 16);
  }
  for (; p + 4 <= HW; p += 4) {
    const o = at(dst, p);
    let a = f32x4.splat(0), b = a, cc = a, d = a;
    if (accumulate) {
      a = v128.load(o); b = v128.load(o + row); cc = v128.load(o + 2 * row); d = v128.load(o + 3 * row);
    }
    let sp = at(src, p), cs = c;
    for (let s = 0; s < lb; s++) {
      const x = v128.load(sp);
      a = madd(x, f32x4.splat(load<f32>(cs)), a);
      b = madd(x, f32x4.splat(load<f32>(cs + rsB)), b);
      cc = madd(x, f32x4.splat(load<f32>(cs + 2 * rsB)), cc);
      d = madd(x, f32x4.splat(load<f32>(cs + 3 * rsB)), d);
      sp += row; cs += ssB;
    }
    v128.store(o, a); v128.store(o + row, b); v128.store(o + 2 * row, cc); v128.store(o + 3 * row, d);
  }
  for (let k = 0; k < 4; k++) mixRowTail(HW, p, lb, c + <usize>k * rsB, ss, src, dst + <usize>k * row, accumulate);
}

/** One row of mixRows (coefficient s at c + s·ss): 4 pixels at a time, then the tail. */
// @ts-ignore: decorator
@inline function mixRow(HW: i32, lb: i32, c: usize, ss: i32, src: usize, dst: usize, accumulate: bool): void {
  let p = 0;
  if (ASC_FEATURE_SIMD) {
    for (; p + 4 <= HW; p += 4) {
      const out = at(dst, p);
      let acc = accumulate ? v128.load(out) : f32x4.splat(0);
      for (let s = 0; s < lb; s++) acc = madd(v128.load(at(src, s * HW + p)), f32x4.splat(load<f32>(at(c, s * ss))), acc);
      v128.store(out, acc);
    }
  }
  mixRowTail(HW, p, lb, c, ss, src, dst, accumulate);
}

/** Pixels [p0, HW) of one row of mixRows, one at a time. */
// @ts-ignore: decorator
@inline function mixRowTail(HW: i32, p0: i32, lb: i32, c: usize, ss: i32, src: usize, dst: usize, accumulate: bool): void {
  for (let p = p0; p < HW; p++) {
    const out = at(dst, p);
    let acc: f32 = accumulate ? load<f32>(out) : 0;
    for (let s = 0; s < lb; s++) acc = acc + load<f32>(at(src, s * HW + p)) * load<f32>(at(c, s * ss));
    store<f32>(out, acc);
  }
}

/**
 * out[k·os] = dot(HW, a, b + k·HW) for k < 4 (rows of b HW apart, outputs os floats apart), each summed
 * in dot()'s order.
 */
// @ts-ignore: decorator
@inline function dot4(HW: i32, a: usize, b: usize, out: usize, os: i32): void {
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
  store<f32>(at(out, os), s1);
  store<f32>(at(out, 2 * os), s2);
  store<f32>(at(out, 3 * os), s3);
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
      if (!dphi) continue;
      // four dots at once: one row is loaded once for four rows of the other and the four sums are
      // independent chains (one dot at a time waited on the madd latency: dcdPhiBackward was 1.4 % of
      // the DCD CNN's training step). dΦ_ij for j < lb − lb % 4 by four z rows per dw row; the last
      // lb % 4 columns by four dw rows per z row (L = 11 left 3 of every 11 dots single). Each dot sums
      // in dot()'s order and a·b = b·a, so the bits are dot()'s either way.
      const jFour = lb & ~3;
      for (let i = 0; i < lb; i++) {
        const g = at(dwB, i * HW);
        for (let j = 0; j < jFour; j += 4) dot4(HW, g, at(zB, j * HW), at(dphi, blk + i * lb + j), 1);
      }
      for (let j = jFour; j < lb; j++) {
        const zj = at(zB, j * HW);
        let i = 0;
        for (; i + 4 <= lb; i += 4) dot4(HW, zj, at(dwB, i * HW), at(dphi, blk + i * lb + j), lb);
        for (; i < lb; i++) store<f32>(at(dphi, blk + i * lb + j), dot(HW, at(dwB, i * HW), zj));
      }
    }
  }
}
