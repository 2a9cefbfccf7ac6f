// Register-blocked micro-kernels: C[MR×NR] (+)= Apanel[MR×kc] · Bpanel[kc×NR] (+ bias).
//
// Both panels are packed (see pack_a.ts / pack_b.ts), so the inner loop is pure loads and
// multiply-adds on accumulators held in locals (= registers). The epilogue runs once per tile:
//   loadC    adds the current C (earlier K blocks, or accumulate = 1),
//   bias     (0 = none) adds bias[r]·scale[r] per row (scale 0 = 1) — the bias of a row-scaled
//            product, so λ·(W·x + b) == (λW)·x + λb.
// `c` may be any address; ldc is in bytes.

import { MR, MR_WIDE, NR } from "./config";
import { madd } from "../simd/madd";

/** Bytes from one k's MR values of a packed A panel to the next's. */
const PANEL_K_STEP: usize = 16;

// @ts-ignore: decorator
@inline function rowBias(bias: usize, scale: usize, r: i32): f32 {
  const b = load<f32>(bias + (<usize>r << 2));
  return scale ? b * load<f32>(scale + (<usize>r << 2)) : b;
}

export function microKernel(
  kc: i32, a: usize, b: usize, c: usize, ldc: usize,
  loadC: bool, bias: usize, scale: usize,
): void {
  if (ASC_FEATURE_SIMD) microKernelSimd(kc, a, PANEL_K_STEP, b, c, ldc, loadC, bias, scale);
  else microKernelScalar(kc, a, b, c, ldc, loadC, bias, scale);
}

// @ts-ignore: decorator
@inline function finishRowSimd(cr: usize, x0: v128, x1: v128, loadC: bool, bias: usize, scale: usize, r: i32): void {
  if (loadC) {
    x0 = f32x4.add(x0, v128.load(cr));
    x1 = f32x4.add(x1, v128.load(cr, 16));
  }
  if (bias) {
    const bv = f32x4.splat(rowBias(bias, scale, r));
    x0 = f32x4.add(x0, bv);
    x1 = f32x4.add(x1, bv);
  }
  v128.store(cr, x0);
  v128.store(cr, x1, 16);
}

/**
 * 4 rows × 8 columns (2 f32x4 per row): 8 accumulators. V8 gives wasm 15 usable xmm registers on
 * x86-64 (xmm15 is its scratch) and TurboFan schedules every load of the loop body first, so all
 * MR broadcasts + 2 B vectors + the accumulators (+ a product temporary without FMA) are live at
 * once: 4 + 2 + 8 + 1 = 15 fits; a 6×8 tile (21) spilled 4 accumulators to the stack per k.
 * The k loop is unrolled by 2 to halve its overhead (counter, address arithmetic and V8's
 * per-iteration stack check); TurboFan keeps the second half's loads after the first's uses.
 * A's 4 values at depth k are contiguous, the next k's `ks` bytes on (a packed panel: PANEL_K_STEP;
 * a transposed A in place: lda, see below).
 */
function microKernelSimd(
  kc: i32, a: usize, ks: usize, b: usize, c: usize, ldc: usize,
  loadC: bool, bias: usize, scale: usize,
): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let av = v128.load32_splat(a);
    c00 = madd(av, b0, c00);
    c01 = madd(av, b1, c01);
    av = v128.load32_splat(a, 4);
    c10 = madd(av, b0, c10);
    c11 = madd(av, b1, c11);
    av = v128.load32_splat(a, 8);
    c20 = madd(av, b0, c20);
    c21 = madd(av, b1, c21);
    av = v128.load32_splat(a, 12);
    c30 = madd(av, b0, c30);
    c31 = madd(av, b1, c31);
    if (++k == kc) break;
    const b2 = v128.load(b, 32);
    const b3 = v128.load(b, 48);
    const a1 = a + ks;
    av = v128.load32_splat(a1);
    c00 = madd(av, b2, c00);
    c01 = madd(av, b3, c01);
    av = v128.load32_splat(a1, 4);
    c10 = madd(av, b2, c10);
    c11 = madd(av, b3, c11);
    av = v128.load32_splat(a1, 8);
    c20 = madd(av, b2, c20);
    c21 = madd(av, b3, c21);
    av = v128.load32_splat(a1, 12);
    c30 = madd(av, b2, c30);
    c31 = madd(av, b3, c31);
    a += 2 * ks;
    b += 64;
  }
  finishRowSimd(c, c00, c01, loadC, bias, scale, 0);
  finishRowSimd(c + ldc, c10, c11, loadC, bias, scale, 1);
  finishRowSimd(c + 2 * ldc, c20, c21, loadC, bias, scale, 2);
  finishRowSimd(c + 3 * ldc, c30, c31, loadC, bias, scale, 3);
}

/**
 * 4 rows × the first 4 columns of an 8-wide panel: for a last panel with ≤ 4 real columns
 * (e.g. 49 = 6·8 + 1 output pixels), half the work of the full kernel. Overwrites c.
 * (With FMA its 4 accumulators are latency-bound; a 6-row direct-A version, 6 chains, was 5–7 %
 * slower on the 49-column shapes in the relaxed build, not kept.) `ks` as in microKernelSimd.
 */
function microKernelSimdHalf(kc: i32, a: usize, ks: usize, b: usize, c: usize, ldc: usize): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(b);
    c0 = madd(v128.load32_splat(a), b0, c0);
    c1 = madd(v128.load32_splat(a, 4), b0, c1);
    c2 = madd(v128.load32_splat(a, 8), b0, c2);
    c3 = madd(v128.load32_splat(a, 12), b0, c3);
    a += ks;
    b += 32;
  }
  v128.store(c, c0);
  v128.store(c + ldc, c1);
  v128.store(c + 2 * ldc, c2);
  v128.store(c + 3 * ldc, c3);
}

// @ts-ignore: decorator
@inline function finishRowScalar(
  cr: usize, x0: f32, x1: f32, x2: f32, x3: f32,
  loadC: bool, bias: usize, scale: usize, r: i32,
): void {
  if (loadC) {
    x0 += load<f32>(cr); x1 += load<f32>(cr, 4); x2 += load<f32>(cr, 8); x3 += load<f32>(cr, 12);
  }
  if (bias) {
    const bv = rowBias(bias, scale, r);
    x0 += bv; x1 += bv; x2 += bv; x3 += bv;
  }
  store<f32>(cr, x0); store<f32>(cr, x1, 4); store<f32>(cr, x2, 8); store<f32>(cr, x3, 12);
}

/**
 * 4 rows × 4 columns as two passes of 2 rows × 4 columns: 8 accumulators + 4 B values + the A
 * broadcast (13 of the 15 xmm registers V8 leaves wasm), where one 4×4 pass (16 accumulators + 5)
 * spilled to the stack every k. The B micro-panel is read twice (it is in L1). The k loop is
 * unrolled by 2 (by 4: +0–2 %, not kept). Same products in the same order per element.
 */
function microKernelScalar(
  kc: i32, a: usize, b: usize, c: usize, ldc: usize,
  loadC: bool, bias: usize, scale: usize,
): void {
  scalarTwoRows(kc, a, b, c, ldc, loadC, bias, scale, 0);
  scalarTwoRows(kc, a + 8, b, c + 2 * ldc, ldc, loadC, bias, scale, 2);
}

// @ts-ignore: decorator
@inline function scalarTwoRows(
  kc: i32, a: usize, b: usize, c: usize, ldc: usize,
  loadC: bool, bias: usize, scale: usize, r0: i32,
): void {
  let c00: f32 = 0, c01: f32 = 0, c02: f32 = 0, c03: f32 = 0;
  let c10: f32 = 0, c11: f32 = 0, c12: f32 = 0, c13: f32 = 0;
  for (let k = 0; k < kc; k++) {
    const b0 = load<f32>(b), b1 = load<f32>(b, 4), b2 = load<f32>(b, 8), b3 = load<f32>(b, 12);
    let av = load<f32>(a);
    c00 += av * b0; c01 += av * b1; c02 += av * b2; c03 += av * b3;
    av = load<f32>(a, 4);
    c10 += av * b0; c11 += av * b1; c12 += av * b2; c13 += av * b3;
    if (++k == kc) break;
    const b4 = load<f32>(b, 16), b5 = load<f32>(b, 20), b6 = load<f32>(b, 24), b7 = load<f32>(b, 28);
    av = load<f32>(a, 16);
    c00 += av * b4; c01 += av * b5; c02 += av * b6; c03 += av * b7;
    av = load<f32>(a, 20);
    c10 += av * b4; c11 += av * b5; c12 += av * b6; c13 += av * b7;
    a += 32;
    b += 32;
  }
  finishRowScalar(c, c00, c01, c02, c03, loadC, bias, scale, r0);
  finishRowScalar(c + ldc, c10, c11, c12, c13, loadC, bias, scale, r0 + 1);
}

/**
 * A partial tile (fewer than MR rows or NR columns left): run the full kernel into `tile`
 * (MR×NR scratch), then add the valid corner into C. Packing zero-padded the rest.
 */
export function microKernelEdge(
  kc: i32, a: usize, b: usize, c: usize, ldc: usize, rows: i32, cols: i32,
  loadC: bool, bias: usize, scale: usize, tile: usize,
): void {
  if (ASC_FEATURE_SIMD && cols <= 4) microKernelSimdHalf(kc, a, PANEL_K_STEP, b, tile, <usize>NR << 2);
  else microKernel(kc, a, b, tile, <usize>NR << 2, false, 0, 0);
  addTileCorner(tile, c, ldc, rows, cols, loadC, bias, scale);
}

/** C[rows×cols] (+)= tile (+ bias·scale per row): the epilogue of the edge kernels. */
// @ts-ignore: decorator
@inline function addTileCorner(
  tile: usize, c: usize, ldc: usize, rows: i32, cols: i32, loadC: bool, bias: usize, scale: usize,
): void {
  for (let r = 0; r < rows; r++) {
    const cr = c + <usize>r * ldc;
    const tr = tile + ((<usize>r * NR) << 2);
    const bv: f32 = bias ? rowBias(bias, scale, r) : 0;
    for (let j = 0; j < cols; j++) {
      let v = load<f32>(tr + (<usize>j << 2));
      if (loadC) v += load<f32>(cr + (<usize>j << 2)); // same order as the full kernel
      store<f32>(cr + (<usize>j << 2), v + bv);
    }
  }
}

// ---- direct A (SIMD build): A read where it lies, row-major, no packing --------------------------
// For a non-transposed, unscaled A (conv weights, linear's x, backward-weight's dY) the driver can
// skip packing A: the kernel broadcasts A[r][k] from 4 row pointers `lda` bytes apart, stepping 4
// bytes per k. Same products in the same order as the packed kernel, so results are bit-identical;
// what it saves is the pack of the whole weight matrix per call (per sample), which costs as much
// as ~10 % of the GEMM when the image is small (49 output pixels: each weight is used 49 times).
// A tile with fewer than MR rows points its missing rows at its last row (rows are independent, the
// duplicates land in the scratch tile and are dropped), so nothing past A's end is read.

/** 4×8 full tile from direct A (see above); same epilogue as microKernelSimd. */
export function microKernelDirect(
  kc: i32, a: usize, lda: usize, b: usize, c: usize, ldc: usize,
  loadC: bool, bias: usize, tapKW: i32 = 0, tapWrap: usize = 0,
): void {
  // (the guard keeps the SIMD-only body out of the scalar build, whose driver never calls this)
  if (!ASC_FEATURE_SIMD) return;
  if (tapKW) directTileTap(kc, a, a + lda, a + 2 * lda, a + 3 * lda, b, c, ldc, loadC, bias, tapKW, tapWrap);
  else directTile(kc, a, a + lda, a + 2 * lda, a + 3 * lda, b, c, ldc, loadC, bias);
}

function directTile(
  kc: i32, a0: usize, a1: usize, a2: usize, a3: usize, b: usize, c: usize, ldc: usize,
  loadC: bool, bias: usize,
): void {
  directCore(kc, a0, a1, a2, a3, b, c, ldc, loadC, bias, false, 0, 0);
}

/** directTile on a tap-shared B panel (see "tap-shared B panels" at wideCore). */
function directTileTap(
  kc: i32, a0: usize, a1: usize, a2: usize, a3: usize, b: usize, c: usize, ldc: usize,
  loadC: bool, bias: usize, tapKW: i32, tapWrap: usize,
): void {
  directCore(kc, a0, a1, a2, a3, b, c, ldc, loadC, bias, true, tapKW, tapWrap);
}

// @ts-ignore: decorator
@inline function directCore(
  kc: i32, a0: usize, a1: usize, a2: usize, a3: usize, b: usize, c: usize, ldc: usize,
  loadC: bool, bias: usize, tap: bool, tapKW: i32, tapWrap: usize,
): void {
  let v = 0; // tap: the tap of depth k inside its (c, u) row
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let av = v128.load32_splat(a0);
    c00 = madd(av, b0, c00);
    c01 = madd(av, b1, c01);
    av = v128.load32_splat(a1);
    c10 = madd(av, b0, c10);
    c11 = madd(av, b1, c11);
    av = v128.load32_splat(a2);
    c20 = madd(av, b0, c20);
    c21 = madd(av, b1, c21);
    av = v128.load32_splat(a3);
    c30 = madd(av, b0, c30);
    c31 = madd(av, b1, c31);
    if (tap) { v++; const wrap = v == tapKW; b += select<usize>(tapWrap, 4, wrap); v = select<i32>(0, v, wrap); }
    if (++k == kc) break;
    const b2 = tap ? v128.load(b) : v128.load(b, 32);
    const b3 = tap ? v128.load(b, 16) : v128.load(b, 48);
    av = v128.load32_splat(a0, 4);
    c00 = madd(av, b2, c00);
    c01 = madd(av, b3, c01);
    av = v128.load32_splat(a1, 4);
    c10 = madd(av, b2, c10);
    c11 = madd(av, b3, c11);
    av = v128.load32_splat(a2, 4);
    c20 = madd(av, b2, c20);
    c21 = madd(av, b3, c21);
    av = v128.load32_splat(a3, 4);
    c30 = madd(av, b2, c30);
    c31 = madd(av, b3, c31);
    if (tap) { v++; const wrap = v == tapKW; b += select<usize>(tapWrap, 4, wrap); v = select<i32>(0, v, wrap); }
    a0 += 8; a1 += 8; a2 += 8; a3 += 8;
    if (!tap) b += 64;
  }
  finishRowSimd(c, c00, c01, loadC, bias, 0, 0);
  finishRowSimd(c + ldc, c10, c11, loadC, bias, 0, 1);
  finishRowSimd(c + 2 * ldc, c20, c21, loadC, bias, 0, 2);
  finishRowSimd(c + 3 * ldc, c30, c31, loadC, bias, 0, 3);
}

/** 4 rows × the first 4 columns of an 8-wide panel, direct A. Overwrites c. */
function directTileHalf(kc: i32, a0: usize, a1: usize, a2: usize, a3: usize, b: usize, c: usize, ldc: usize): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(b);
    c0 = madd(v128.load32_splat(a0), b0, c0);
    c1 = madd(v128.load32_splat(a1), b0, c1);
    c2 = madd(v128.load32_splat(a2), b0, c2);
    c3 = madd(v128.load32_splat(a3), b0, c3);
    a0 += 4; a1 += 4; a2 += 4; a3 += 4;
    b += 32;
  }
  v128.store(c, c0);
  v128.store(c + ldc, c1);
  v128.store(c + 2 * ldc, c2);
  v128.store(c + 3 * ldc, c3);
}

/** A partial tile from direct A: the full (or half) kernel into `tile`, then the valid corner into C. */
export function microKernelDirectEdge(
  kc: i32, a: usize, lda: usize, b: usize, c: usize, ldc: usize, rows: i32, cols: i32,
  loadC: bool, bias: usize, tile: usize,
): void {
  if (!ASC_FEATURE_SIMD) return; // never called in the scalar build
  const a1 = a + <usize>min(1, rows - 1) * lda;
  const a2 = a + <usize>min(2, rows - 1) * lda;
  const a3 = a + <usize>min(3, rows - 1) * lda;
  if (cols <= 4) directTileHalf(kc, a, a1, a2, a3, b, tile, <usize>NR << 2);
  else directTile(kc, a, a1, a2, a3, b, tile, <usize>NR << 2, false, 0);
  addTileCorner(tile, c, ldc, rows, cols, loadC, bias, 0);
}

/**
 * The whole MR×NR product into `tile` (row stride NR floats; no C, no bias) — for a tile whose
 * columns the driver stores in pieces (a batched conv's tile spanning two samples). `lda` = 0:
 * packed A panel; else direct A with `rows` valid rows `lda` bytes apart (missing rows repeat
 * the last, as in microKernelDirectEdge).
 */
export function microKernelToTile(kc: i32, a: usize, lda: usize, rows: i32, b: usize, tile: usize): void {
  if (ASC_FEATURE_SIMD && lda) {
    const a1 = a + <usize>min(1, rows - 1) * lda;
    const a2 = a + <usize>min(2, rows - 1) * lda;
    const a3 = a + <usize>min(3, rows - 1) * lda;
    directTile(kc, a, a1, a2, a3, b, tile, <usize>NR << 2, false, 0);
  } else {
    microKernel(kc, a, b, tile, <usize>NR << 2, false, 0, 0);
  }
}

// ---- the wide tile (SIMD builds; chosen by the driver in the relaxed-SIMD build) -----------------
// With a fused multiply-add the 4×8 tile's 8 accumulators are too few: each FMA waits for the
// previous one on its accumulator (latency 4 on Zen 5, 2 FMA pipes: 8 chains in flight at best),
// whereas mul + add only chains the adds (latency 2-3). Register-resident peak loops, Node 20,
// Zen 5: relaxed_madd with 8 chains 62.4 GFLOP/s, 12 chains 66.4. More accumulators need fewer
// loaded values live at once, because TurboFan issues every load of the loop body before the
// first multiply-add: with broadcast loads a 5×8 tile needs 10 + 2 + 5 = 17 xmm registers and a
// 6×8 one 20, and V8 then spills accumulators (measured: 5×8 25 GFLOP/s, 6×8 29). So the wide tile
// loads rows 0–3 of the packed A column as ONE f32x4 and broadcasts them with lane shuffles (pure
// ops, which TurboFan places next to their use), plus one broadcast load for row 4: 10 accumulators
// + 2 B + 2 A + 1 broadcast temporary = 15 registers, no spill. k unrolled by 4. A mini-GEMM
// (60×256, kc 288, L1/L2-resident, relaxed build): 4×8 direct 60.0–61.0 GFLOP/s, 5×8 unrolled by 2
// 61.5, 5×8 unrolled by 4 63.0–63.7; a 6×8 the same way spills (12 + 2 + 2 + 1 = 17, 29–31).
// Same products in the same order per element as the 4×8 kernels, so the results are the same bits.

/** 5 rows × 8 columns from a packed wide A panel (packAWide); epilogue as microKernelSimd. */
export function microKernelWide(
  kc: i32, a: usize, b: usize, c: usize, ldc: usize,
  loadC: bool, bias: usize, scale: usize, tapKW: i32 = 0, tapWrap: usize = 0,
): void {
  if (!ASC_FEATURE_SIMD) return;
  if (tapKW) wideTileTap(kc, a, b, c, ldc, loadC, bias, scale, tapKW, tapWrap);
  else wideTile(kc, a, b, c, ldc, loadC, bias, scale);
}

function wideTile(
  kc: i32, a: usize, b: usize, c: usize, ldc: usize,
  loadC: bool, bias: usize, scale: usize,
): void {
  wideCore(kc, a, b, c, ldc, loadC, bias, scale, false, 0, 0);
}

/** wideTile on a tap-shared B panel (see "tap-shared B panels" below). */
function wideTileTap(
  kc: i32, a: usize, b: usize, c: usize, ldc: usize,
  loadC: bool, bias: usize, scale: usize, tapKW: i32, tapWrap: usize,
): void {
  wideCore(kc, a, b, c, ldc, loadC, bias, scale, true, tapKW, tapWrap);
}

// ---- tap-shared B panels (relaxed wide path, stride-1 convs; gemm/pack_b_conv.ts packBConvTap) ----
// The KW rows k = (c, u, v), v = 0..KW−1, of a stride-1, dilation-1 conv's B are one input row shifted
// by v columns, so such a panel stores each (c, u) once, as a row of tapRowFloats(KW) floats (the 8
// columns plus a KW − 1 halo), and the B vectors of tap v are read 4·v bytes into it: the B pointer
// steps +4 per k and `tapWrap` = 4·(row floats − KW + 1) after the last tap. Same values, same
// products, same order as a plain panel, so the same bits. `tap` is a compile-time constant in every
// caller: the plain instance (tap = false) compiles to the kernel as it was.

// @ts-ignore: decorator
@inline function wideCore(
  kc: i32, a: usize, b: usize, c: usize, ldc: usize,
  loadC: bool, bias: usize, scale: usize, tap: bool, tapKW: i32, tapWrap: usize,
): void {
  let v = 0; // tap: the tap of depth k inside its (c, u) row
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
  // k unrolled by 4, written out: an AssemblyScript helper cannot update ten caller locals, and
  // locals are what V8 keeps in registers.
  for (let k = 0; k < kc; k++) {
    {
      const b0 = v128.load(b, 0), b1 = v128.load(b, 16);
      const va = v128.load(a, 0);
      let av = v128.shuffle<f32>(va, va, 0, 0, 0, 0);
      c00 = madd(av, b0, c00);
      c01 = madd(av, b1, c01);
      av = v128.shuffle<f32>(va, va, 1, 1, 1, 1);
      c10 = madd(av, b0, c10);
      c11 = madd(av, b1, c11);
      av = v128.shuffle<f32>(va, va, 2, 2, 2, 2);
      c20 = madd(av, b0, c20);
      c21 = madd(av, b1, c21);
      av = v128.shuffle<f32>(va, va, 3, 3, 3, 3);
      c30 = madd(av, b0, c30);
      c31 = madd(av, b1, c31);
      av = v128.load32_splat(a, 16);
      c40 = madd(av, b0, c40);
      c41 = madd(av, b1, c41);
      if (tap) { v++; const wrap = v == tapKW; b += select<usize>(tapWrap, 4, wrap); v = select<i32>(0, v, wrap); }
    }
    if (++k == kc) break;
    {
      const b0 = tap ? v128.load(b) : v128.load(b, 32), b1 = tap ? v128.load(b, 16) : v128.load(b, 48);
      const va = v128.load(a, 20);
      let av = v128.shuffle<f32>(va, va, 0, 0, 0, 0);
      c00 = madd(av, b0, c00);
      c01 = madd(av, b1, c01);
      av = v128.shuffle<f32>(va, va, 1, 1, 1, 1);
      c10 = madd(av, b0, c10);
      c11 = madd(av, b1, c11);
      av = v128.shuffle<f32>(va, va, 2, 2, 2, 2);
      c20 = madd(av, b0, c20);
      c21 = madd(av, b1, c21);
      av = v128.shuffle<f32>(va, va, 3, 3, 3, 3);
      c30 = madd(av, b0, c30);
      c31 = madd(av, b1, c31);
      av = v128.load32_splat(a, 36);
      c40 = madd(av, b0, c40);
      c41 = madd(av, b1, c41);
      if (tap) { v++; const wrap = v == tapKW; b += select<usize>(tapWrap, 4, wrap); v = select<i32>(0, v, wrap); }
    }
    if (++k == kc) break;
    {
      const b0 = tap ? v128.load(b) : v128.load(b, 64), b1 = tap ? v128.load(b, 16) : v128.load(b, 80);
      const va = v128.load(a, 40);
      let av = v128.shuffle<f32>(va, va, 0, 0, 0, 0);
      c00 = madd(av, b0, c00);
      c01 = madd(av, b1, c01);
      av = v128.shuffle<f32>(va, va, 1, 1, 1, 1);
      c10 = madd(av, b0, c10);
      c11 = madd(av, b1, c11);
      av = v128.shuffle<f32>(va, va, 2, 2, 2, 2);
      c20 = madd(av, b0, c20);
      c21 = madd(av, b1, c21);
      av = v128.shuffle<f32>(va, va, 3, 3, 3, 3);
      c30 = madd(av, b0, c30);
      c31 = madd(av, b1, c31);
      av = v128.load32_splat(a, 56);
      c40 = madd(av, b0, c40);
      c41 = madd(av, b1, c41);
      if (tap) { v++; const wrap = v == tapKW; b += select<usize>(tapWrap, 4, wrap); v = select<i32>(0, v, wrap); }
    }
    if (++k == kc) break;
    {
      const b0 = tap ? v128.load(b) : v128.load(b, 96), b1 = tap ? v128.load(b, 16) : v128.load(b, 112);
      const va = v128.load(a, 60);
      let av = v128.shuffle<f32>(va, va, 0, 0, 0, 0);
      c00 = madd(av, b0, c00);
      c01 = madd(av, b1, c01);
      av = v128.shuffle<f32>(va, va, 1, 1, 1, 1);
      c10 = madd(av, b0, c10);
      c11 = madd(av, b1, c11);
      av = v128.shuffle<f32>(va, va, 2, 2, 2, 2);
      c20 = madd(av, b0, c20);
      c21 = madd(av, b1, c21);
      av = v128.shuffle<f32>(va, va, 3, 3, 3, 3);
      c30 = madd(av, b0, c30);
      c31 = madd(av, b1, c31);
      av = v128.load32_splat(a, 76);
      c40 = madd(av, b0, c40);
      c41 = madd(av, b1, c41);
      if (tap) { v++; const wrap = v == tapKW; b += select<usize>(tapWrap, 4, wrap); v = select<i32>(0, v, wrap); }
    }
    a += 80;
    if (!tap) b += 128;
  }
  finishRowSimd(c, c00, c01, loadC, bias, scale, 0);
  finishRowSimd(c + ldc, c10, c11, loadC, bias, scale, 1);
  finishRowSimd(c + 2 * ldc, c20, c21, loadC, bias, scale, 2);
  finishRowSimd(c + 3 * ldc, c30, c31, loadC, bias, scale, 3);
  finishRowSimd(c + 4 * ldc, c40, c41, loadC, bias, scale, 4);
}

/**
 * A partial wide tile (fewer than 5 rows or 8 columns left): the wide kernel into `tile`
 * (MR_WIDE×NR scratch), then the valid corner into C. With at most 3 rows left, only the panel's
 * first 3 rows are computed (threeRowTile).
 */
export function microKernelWideEdge(
  kc: i32, a: usize, b: usize, c: usize, ldc: usize, rows: i32, cols: i32,
  loadC: bool, bias: usize, scale: usize, tile: usize, tapKW: i32 = 0, tapWrap: usize = 0,
): void {
  if (!ASC_FEATURE_SIMD) return; // never called in the scalar build
  if (rows <= 3) {
    if (tapKW) threeRowCore(kc, a, b, tile, true, tapKW, tapWrap);
    else threeRowCore(kc, a, b, tile, false, 0, 0);
  } else if (tapKW) wideTileTap(kc, a, b, tile, <usize>NR << 2, false, 0, 0, tapKW, tapWrap);
  else wideTile(kc, a, b, tile, <usize>NR << 2, false, 0, 0);
  addTileCorner(tile, c, ldc, rows, cols, loadC, bias, scale);
}

// A 5-row panel's last tile with 1–3 real rows (M = 32 = 6·5 + 2: the small CNN's first stage, and
// MobileNetV2's 32-, 96-, 192- and 576-channel layers): the full wide kernel spent 10 multiply-adds
// per k on it, 4–6 of them on zero rows; this computes rows 0–2 only (6 chains). Same products in
// the same order per element (madd chains over k from 0), so the same bits as the wide kernel's.
// @ts-ignore: decorator
@inline function threeRowCore(kc: i32, a: usize, b: usize, tile: usize, tap: bool, tapKW: i32, tapWrap: usize): void {
  let v = 0;
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    let av = v128.load32_splat(a);
    c00 = madd(av, b0, c00);
    c01 = madd(av, b1, c01);
    av = v128.load32_splat(a, 4);
    c10 = madd(av, b0, c10);
    c11 = madd(av, b1, c11);
    av = v128.load32_splat(a, 8);
    c20 = madd(av, b0, c20);
    c21 = madd(av, b1, c21);
    a += <usize>MR_WIDE << 2;
    if (tap) { v++; const wrap = v == tapKW; b += select<usize>(tapWrap, 4, wrap); v = select<i32>(0, v, wrap); }
    else b += <usize>NR << 2;
  }
  v128.store(tile, c00); v128.store(tile, c01, 16);
  v128.store(tile, c10, 32); v128.store(tile, c11, 48);
  v128.store(tile, c20, 64); v128.store(tile, c21, 80);
}

/** The whole wide tile into `tile` (row stride NR floats), as microKernelToTile. */
export function microKernelWideToTile(kc: i32, a: usize, b: usize, tile: usize, tapKW: i32 = 0, tapWrap: usize = 0): void {
  if (!ASC_FEATURE_SIMD) return;
  if (tapKW) wideTileTap(kc, a, b, tile, <usize>NR << 2, false, 0, 0, tapKW, tapWrap);
  else wideTile(kc, a, b, tile, <usize>NR << 2, false, 0, 0);
}

// ---- one real column (SIMD builds): a last panel with 1 real column, all rows of an A block ------
// 49 = 6·8 + 1 output pixels leave a last B panel with one real column. Through the 4-column half
// kernel that column cost 4 multiply-add chains per 4 rows (4× the work) and, with FMA, as much time
// as a full 8-column tile (each chain waits for its previous FMA). Here lanes are ROWS instead of
// columns: one f32x4 accumulator per 4 rows, b[k] of the single column broadcast, and several row
// groups at once so their chains overlap (packed A: 4 panels = 16 rows; direct A: 16 rows read in
// place, transposed 4 k at a time with lane shuffles, then 8 with clamped row pointers for the rest;
// relaxed build, conv2d forward: 16 direct rows at once were ~5 % faster overall than 8 on the
// 49-column shapes). Every element is still a chain of
// multiply-adds over k in the same order from 0 (madd(a, b, acc), as in every other kernel), so
// the bits are the same as the 4×8 / half / wide kernels' — which keeps the threads build's parts
// (whose tiles may sit on other columns than one thread's) bit-identical to one thread.

/**
 * 4 groups of 4 rows (`gs` bytes apart; a group's 4 values at depth k are one f32x4, the next k
 * `ks` bytes on: packed panels have gs = kc·16, ks = 16, a transposed A in place gs = 16, ks = lda)
 * × 1 column of a B panel → out[0..16) (rows).
 */
function columnPanels4(kc: i32, a: usize, gs: usize, ks: usize, b: usize, out: usize): void {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
  let a1 = a + gs, a2 = a + 2 * gs, a3 = a + 3 * gs;
  for (let k = 0; k < kc; k++) {
    const bv = v128.load32_splat(b);
    s0 = madd(v128.load(a), bv, s0);
    s1 = madd(v128.load(a1), bv, s1);
    s2 = madd(v128.load(a2), bv, s2);
    s3 = madd(v128.load(a3), bv, s3);
    a += ks; a1 += ks; a2 += ks; a3 += ks;
    b += <usize>NR << 2;
  }
  v128.store(out, s0);
  v128.store(out, s1, 16);
  v128.store(out, s2, 32);
  v128.store(out, s3, 48);
}

/** 1 group of 4 rows (as columnPanels4) × 1 column → out[0..4). */
function columnPanels1(kc: i32, a: usize, ks: usize, b: usize, out: usize): void {
  let s0 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    s0 = madd(v128.load(a), v128.load32_splat(b), s0);
    a += ks;
    b += <usize>NR << 2;
  }
  v128.store(out, s0);
}

// @ts-ignore: decorator
@inline function gather4(r0: usize, r1: usize, r2: usize, r3: usize): v128 {
  let v = v128.load32_splat(r0);
  v = f32x4.replace_lane(v, 1, load<f32>(r1));
  v = f32x4.replace_lane(v, 2, load<f32>(r2));
  return f32x4.replace_lane(v, 3, load<f32>(r3));
}

/** 8 rows of direct A (pointers r0..r7) × 1 column → out[0..8). */
function columnDirect8(
  kc: i32, r0: usize, r1: usize, r2: usize, r3: usize, r4: usize, r5: usize, r6: usize, r7: usize,
  b: usize, out: usize,
): void {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
  let k = 0;
  for (; k + 4 <= kc; k += 4) {
    const b0 = v128.load32_splat(b), b1 = v128.load32_splat(b, 32);
    const b2 = v128.load32_splat(b, 64), b3 = v128.load32_splat(b, 96);
    {
      const x0 = v128.load(r0), x1 = v128.load(r1), x2 = v128.load(r2), x3 = v128.load(r3);
      const t0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5);
      const t1 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);
      const t2 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7);
      const t3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
      s0 = madd(v128.shuffle<f32>(t0, t1, 0, 1, 4, 5), b0, s0);
      s0 = madd(v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), b1, s0);
      s0 = madd(v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), b2, s0);
      s0 = madd(v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), b3, s0);
    }
    {
      const x0 = v128.load(r4), x1 = v128.load(r5), x2 = v128.load(r6), x3 = v128.load(r7);
      const t0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5);
      const t1 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);
      const t2 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7);
      const t3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
      s1 = madd(v128.shuffle<f32>(t0, t1, 0, 1, 4, 5), b0, s1);
      s1 = madd(v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), b1, s1);
      s1 = madd(v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), b2, s1);
      s1 = madd(v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), b3, s1);
    }
    r0 += 16; r1 += 16; r2 += 16; r3 += 16; r4 += 16; r5 += 16; r6 += 16; r7 += 16;
    b += 128;
  }
  for (; k < kc; k++) {
    const bv = v128.load32_splat(b);
    s0 = madd(gather4(r0, r1, r2, r3), bv, s0);
    s1 = madd(gather4(r4, r5, r6, r7), bv, s1);
    r0 += 4; r1 += 4; r2 += 4; r3 += 4; r4 += 4; r5 += 4; r6 += 4; r7 += 4;
    b += 32;
  }
  v128.store(out, s0);
  v128.store(out, s1, 16);
}


// @ts-ignore: decorator
@inline function transposeMadd(x0: v128, x1: v128, x2: v128, x3: v128, b0: v128, b1: v128, b2: v128, b3: v128, s: v128): v128 {
  const t0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);
  const t2 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7);
  const t3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
  s = madd(v128.shuffle<f32>(t0, t1, 0, 1, 4, 5), b0, s);
  s = madd(v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), b1, s);
  s = madd(v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), b2, s);
  return madd(v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), b3, s);
}

/** 16 rows of direct A (row r at a + r·lda; 4 groups of 4) × 1 column → out[0..16); any kc (1-k tail). */
function columnDirect16(kc: i32, a: usize, lda: usize, b: usize, out: usize): void {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
  const l2 = lda * 2, l3 = lda * 3;
  let g0 = a, g1 = a + 4 * lda, g2 = a + 8 * lda, g3 = a + 12 * lda;
  let k = 0;
  for (; k + 4 <= kc; k += 4) {
    const b0 = v128.load32_splat(b), b1 = v128.load32_splat(b, 32);
    const b2 = v128.load32_splat(b, 64), b3 = v128.load32_splat(b, 96);
    s0 = transposeMadd(v128.load(g0), v128.load(g0 + lda), v128.load(g0 + l2), v128.load(g0 + l3), b0, b1, b2, b3, s0);
    s1 = transposeMadd(v128.load(g1), v128.load(g1 + lda), v128.load(g1 + l2), v128.load(g1 + l3), b0, b1, b2, b3, s1);
    s2 = transposeMadd(v128.load(g2), v128.load(g2 + lda), v128.load(g2 + l2), v128.load(g2 + l3), b0, b1, b2, b3, s2);
    s3 = transposeMadd(v128.load(g3), v128.load(g3 + lda), v128.load(g3 + l2), v128.load(g3 + l3), b0, b1, b2, b3, s3);
    g0 += 16; g1 += 16; g2 += 16; g3 += 16;
    b += 128;
  }
  for (; k < kc; k++) {
    const bv = v128.load32_splat(b);
    s0 = madd(gather4(g0, g0 + lda, g0 + l2, g0 + l3), bv, s0);
    s1 = madd(gather4(g1, g1 + lda, g1 + l2, g1 + l3), bv, s1);
    s2 = madd(gather4(g2, g2 + lda, g2 + l2, g2 + l3), bv, s2);
    s3 = madd(gather4(g3, g3 + lda, g3 + l2, g3 + l3), bv, s3);
    g0 += 4; g1 += 4; g2 += 4; g3 += 4;
    b += 32;
  }
  v128.store(out, s0);
  v128.store(out, s1, 16);
  v128.store(out, s2, 32);
  v128.store(out, s3, 48);
}

/**
 * C[rows×1] (+)= A[rows×kc] · the first column of B panel `b` (+ bias·scale per row), SIMD builds.
 * `lda` = 0: packed A panels (MR rows each, kc·MR floats apart, zero-padded past `rows`) from `a`;
 * else direct A, row r at a + r·lda. `tile` is ≥ 16 floats of scratch. Same epilogue order as
 * addTileCorner.
 */
export function microKernelColumn(
  kc: i32, a: usize, lda: usize, rows: i32, b: usize, c: usize, ldc: usize,
  loadC: bool, bias: usize, scale: usize, tile: usize,
): void {
  if (!ASC_FEATURE_SIMD) return; // never called in the scalar build
  const ps = <usize>kc << 4; // packed panel bytes
  for (let r = 0; r < rows;) {
    let n: i32;
    if (lda && rows - r >= 16) {
      n = 16;
      columnDirect16(kc, a + <usize>r * lda, lda, b, tile);
    } else if (lda) {
      n = min(8, rows - r);
      const last = rows - 1;
      const p = a + <usize>r * lda;
      columnDirect8(kc, p, a + <usize>min(r + 1, last) * lda, a + <usize>min(r + 2, last) * lda,
        a + <usize>min(r + 3, last) * lda, a + <usize>min(r + 4, last) * lda,
        a + <usize>min(r + 5, last) * lda, a + <usize>min(r + 6, last) * lda,
        a + <usize>min(r + 7, last) * lda, b, tile);
    } else if (rows - r > 12) {
      n = min(16, rows - r);
      columnPanels4(kc, a + <usize>(r >> 2) * ps, ps, 16, b, tile);
    } else {
      n = min(4, rows - r);
      columnPanels1(kc, a + <usize>(r >> 2) * ps, 16, b, tile);
    }
    addColumn(tile, n, c + <usize>r * ldc, ldc, loadC, bias ? bias + (<usize>r << 2) : 0, scale ? scale + (<usize>r << 2) : 0);
    r += n;
  }
}

/**
 * Rows 0 … rows − 1 of a last B panel with one real column, from MR_WIDE-row packed A panels (`a`:
 * the first, `kc`·MR_WIDE floats each): the wide path's counterpart of the in-place column kernels
 * above. 49 = 6·8 + 1 pixels leave such a panel in every 7² layer, and with pre-packed weights (a
 * prepared conv, a prepared DCD layer's W0) it ran through the full 5×8 wide tile: 8× the work for
 * that column, ~12 % of those layers' products. Here lanes are rows: per 4 panels (20 rows) rows
 * 0–3 of each panel are one f32x4 load, row 4 of the four gathered; b[k] broadcast. The same madd
 * chains over k from 0 as the wide tile's lanes, and addColumn's epilogue: the same bits.
 */
export function microKernelWideColumn(
  kc: i32, a: usize, rows: i32, b: usize, c: usize, ldc: usize,
  loadC: bool, bias: usize, scale: usize, tile: usize,
): void {
  if (!ASC_FEATURE_SIMD) return; // never called in the scalar build
  const ps = <usize>kc * MR_WIDE << 2; // bytes of one panel
  const panels = (rows + MR_WIDE - 1) / MR_WIDE;
  for (let p0 = 0; p0 < panels; p0 += 4) {
    const last = panels - 1;
    wideColumn4(kc, a + <usize>p0 * ps, a + <usize>min(p0 + 1, last) * ps, a + <usize>min(p0 + 2, last) * ps,
      a + <usize>min(p0 + 3, last) * ps, b, tile);
    // tile: rows 0–3 of panel p0 + j at 4·j, its row 4 at 16 + j; each panel's real rows into C
    for (let j = 0; j < 4 && p0 + j < panels; j++) {
      const r = (p0 + j) * MR_WIDE, n = min(MR_WIDE, rows - r);
      const cr = c + <usize>r * ldc, br = bias ? bias + (<usize>r << 2) : 0, sr = scale ? scale + (<usize>r << 2) : 0;
      addColumn(tile + (<usize>(4 * j) << 2), min(4, n), cr, ldc, loadC, br, sr);
      if (n == MR_WIDE) addColumn(tile + (<usize>(16 + j) << 2), 1, cr + 4 * ldc, ldc, loadC, br ? br + 16 : 0, sr ? sr + 16 : 0);
    }
  }
}

/** 4 wide panels (pointers) × 1 column → out[0..20): rows 0–3 of each panel, then the panels' rows 4. */
function wideColumn4(kc: i32, a0: usize, a1: usize, a2: usize, a3: usize, b: usize, out: usize): void {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0), s4 = f32x4.splat(0);
  for (let k = 0; k < kc; k++) {
    const bv = v128.load32_splat(b);
    s0 = madd(v128.load(a0), bv, s0);
    s1 = madd(v128.load(a1), bv, s1);
    s2 = madd(v128.load(a2), bv, s2);
    s3 = madd(v128.load(a3), bv, s3);
    s4 = madd(gather4(a0 + 16, a1 + 16, a2 + 16, a3 + 16), bv, s4);
    a0 += <usize>MR_WIDE << 2; a1 += <usize>MR_WIDE << 2; a2 += <usize>MR_WIDE << 2; a3 += <usize>MR_WIDE << 2;
    b += <usize>NR << 2;
  }
  v128.store(out, s0);
  v128.store(out, s1, 16);
  v128.store(out, s2, 32);
  v128.store(out, s3, 48);
  v128.store(out, s4, 64);
}

/** C[n×1] (+)= out[0..n) (+ bias·scale per row): the column kernels' epilogue (addTileCorner's order). */
// @ts-ignore: decorator
@inline function addColumn(out: usize, n: i32, c: usize, ldc: usize, loadC: bool, bias: usize, scale: usize): void {
  for (let q = 0; q < n; q++) {
    const cr = c + <usize>q * ldc;
    let v = load<f32>(out + (<usize>q << 2));
    if (loadC) v += load<f32>(cr);
    store<f32>(cr, v + (bias ? rowBias(bias, scale, q) : 0));
  }
}

// ---- transposed A in place (SIMD builds): A stored K×M (dx = Wᵀ·dY), nothing packed ---------------
// The MR = 4 values a tile needs at depth k, op(A)[i..i+3][k] = A[k·lda + i..i+3], are contiguous
// in A, as in a packed panel; only the step to the next k is `lda` bytes instead of 16. So the tile
// kernels are the packed ones with that step (4 broadcast loads per k), which saves packing the whole
// of Wᵀ per call (4 MiB for a 512→2048 1×1 conv's dx, where each value is used 49 times). (One f32x4
// load per k broadcast by lane shuffles, as the wide tile does, was slower than packing: dx of that
// conv +2 % vs −12 %; the shuffles compete with the multiplies and adds for the vector ports.)
// Whole 4-row groups only: a group past A's last column could load past A's end (the driver packs a
// last panel of fewer rows). Same products in the same order as the packed kernels: the same bits.

/** 4×8 full tile from a transposed A in place (`a` = &A[k0][i], `lda` in bytes); epilogue as microKernel. */
export function microKernelTransposed(
  kc: i32, a: usize, lda: usize, b: usize, c: usize, ldc: usize, loadC: bool, bias: usize,
): void {
  if (ASC_FEATURE_SIMD) microKernelSimd(kc, a, lda, b, c, ldc, loadC, bias, 0);
}

/** 4 rows × `cols` < NR columns, transposed A in place: the full (or half) kernel into `tile`, then the corner into C. */
export function microKernelTransposedEdge(
  kc: i32, a: usize, lda: usize, b: usize, c: usize, ldc: usize, cols: i32,
  loadC: bool, bias: usize, tile: usize,
): void {
  if (!ASC_FEATURE_SIMD) return; // never called in the scalar build
  if (cols <= 4) microKernelSimdHalf(kc, a, lda, b, tile, <usize>NR << 2);
  else microKernelSimd(kc, a, lda, b, tile, <usize>NR << 2, false, 0, 0);
  addTileCorner(tile, c, ldc, MR, cols, loadC, bias, 0);
}

/** The whole 4×8 product into `tile` (row stride NR floats), transposed A in place, as microKernelToTile. */
export function microKernelTransposedToTile(kc: i32, a: usize, lda: usize, b: usize, tile: usize): void {
  if (ASC_FEATURE_SIMD) microKernelSimd(kc, a, lda, b, tile, <usize>NR << 2, false, 0, 0);
}

/**
 * C[rows×1] (+)= op(A)[rows×kc] · the first column of B panel `b` (+ bias per row), transposed A
 * in place (`a` = &A[k0·lda + i0], `rows` a multiple of 4): lanes = rows, so each 4-row group at
 * depth k is one f32x4 of A as it lies; 16 rows at a time (4 chains), then groups of 4. Same
 * products and order as microKernelColumn; `tile` ≥ 16 floats of scratch.
 */
export function microKernelColumnTransposed(
  kc: i32, a: usize, lda: usize, rows: i32, b: usize, c: usize, ldc: usize,
  loadC: bool, bias: usize, tile: usize,
): void {
  if (!ASC_FEATURE_SIMD) return; // never called in the scalar build
  for (let r = 0; r < rows;) {
    const n = rows - r >= 16 ? 16 : 4;
    const at = a + (<usize>r << 2);
    if (n == 16) columnPanels4(kc, at, 16, lda, b, tile);
    else columnPanels1(kc, at, lda, b, tile);
    addColumn(tile, n, c + <usize>r * ldc, ldc, loadC, bias ? bias + (<usize>r << 2) : 0, 0);
    r += n;
  }
}
