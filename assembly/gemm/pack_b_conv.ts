// Implicit im2col: packs a block of the convolution's B operand straight from the image, so no
// im2col matrix is ever materialised. B is (Cin/G·KH·KW) × (OH·OW): row k = (c, ki, kj),
// column n = (oh, ow), value x[c][oh·SH − PH + ki·DH][ow·SW − PW + kj·DW], zero outside the image.
// Same panel layout as pack_b.ts (NR columns per panel, zero-padded past `nc`).
// `x` points at channel 0 of this sample's group; `p` is the conv descriptor.
// Batched (xSampleBytes ≠ 0): the columns run over several samples — column n = s·OH·OW + (oh, ow)
// reads sample s's image at x + s·xSampleBytes — so one GEMM covers a whole batch of small images.
//
// Tap-aware: for each row k = (c, ki, kj) of the block, the block's columns are walked as runs of
// one output row each (every run reads ONE input row, columns SW apart: contiguous copies for
// SW = 1, an f32x4 de-interleave for SW = 2), in chunks of NR values with the bounds checked once
// per chunk. When output rows are a whole number of panels (OW % NR == 0, e.g. the 112-wide stem)
// the chunks go straight into their panels; otherwise (short rows, e.g. OW = 7, which a panel
// straddles) the row k is gathered into `rowBuf` (runs stored back to back, each chunk's surplus
// lanes overwritten by the next run; SIMD builds gather runs of SW ≤ 2 in masked f32x4 steps,
// copyRunMasked) and then copied into the panels, NR values per panel.
// Cost: ~12 % of a 3×3 64→64 @56² forward (V8 CPU profile, relaxed build), 10 % at 128 @28² N=8.
// (The wide path of stride-1 convs whose output rows are whole panels now packs tap-shared panels
// instead: packBConvTap at the end of this file.)
// Tried without gain (relaxed build, same-process A/B, all dense bench shapes, within ±2 %): packing
// the block in slices of 32–128 columns so each row k writes to fewer panels at a time; a run loop
// that copies the chunks inside the row without per-chunk bounds checks; NC 128–512 instead of 1024.
// Also tried (relaxed build, same-process A/B, within ±2 %, or slower at 28² and 7×7 s2): the micro-kernel
// reading interior panels straight from the image through a table of tap offsets (packing only the
// border panels; the packer's profile share fell 331 → 292 ms but the kernels rose 1782 → 1803 ms);
// packing interior panels panel-major just before their tiles; a masked f32x4 gather for the padded
// border chunks of these plain panels (it does pay in packBConvTap, where the chunks are fewer);
// one cache line between panels (they sit kc·32 bytes apart, in 2 of L1's 64 sets); the KW taps of a
// kernel row walked in one pass over the output rows, still written as KW plain rows. What did pay is
// packing fewer values: tap-shared panels (packBConvTap), ~0.4× the data, 14 % → 8 % of that conv.

import { NR } from "./config";
import {
  convDH, convDW, convH, convKH, convKW, convOH, convOW, convPH, convPW, convSH, convSW, convW,
} from "../conv/conv2d_params";

/** Bytes of the row buffer packBConv needs for blocks of up to `nc` columns. */
// @ts-ignore: decorator
@inline export function packBConvRowBytes(nc: i32): usize {
  return (<usize>(nc + 2 * NR) << 2);
}

export function packBConv(
  p: usize, x: usize,
  p0: i32, kc: i32, j0: i32, nc: i32,
  dst: usize, xSampleBytes: usize, rowBuf: usize,
): void {
  const H = convH(p), W = convW(p), KH = convKH(p), KW = convKW(p);
  const SH = convSH(p), SW = convSW(p), PH = convPH(p), PW = convPW(p);
  const DH = convDH(p), DW = convDW(p), OW = convOW(p), OH = convOH(p);
  const planeBytes = (<usize>H * W) << 2;
  const pixels = OH * OW;
  // where the block starts: sample, output row, output column
  let sample0 = 0, n0 = j0;
  if (xSampleBytes) { sample0 = n0 / pixels; n0 -= sample0 * pixels; }
  const oh0 = n0 / OW, ow0 = n0 % OW;
  // runs land in whole panels: write them in place; else gather the row k in rowBuf first
  const direct = OW % NR == 0 && j0 % NR == 0 && nc % NR == 0;
  const panelBytes = (<usize>kc * NR) << 2;
  const chunkStride: usize = direct ? panelBytes : <usize>NR << 2;
  const rowLeft = (<usize>H * W); // floats from a row's start to the plane's end = (H − ih)·W
  let kj = p0 % KW, ki = (p0 / KW) % KH, c = p0 / (KW * KH);
  // gathered runs of stride 1 or 2: masked f32x4 steps (copyRunMasked) where the loads stay in memory
  const maskedRuns = ASC_FEATURE_SIMD && !direct && SW <= 2;
  const memEnd = <usize>memory.size() << 16;
  for (let kk = 0; kk < kc; kk++) {
    const dh = ki * DH - PH, dw = kj * DW - PW;
    let image = x + <usize>sample0 * xSampleBytes + <usize>c * planeBytes;
    let oh = oh0, ow = ow0, q = 0;
    const rowDst = direct ? dst + ((<usize>kk * NR) << 2) : rowBuf;
    while (q < nc) {
      const cnt = min(OW - ow, nc - q);
      const ih = oh * SH + dh;
      let out = direct ? rowDst + <usize>(q / NR) * panelBytes : rowBuf + (<usize>q << 2);
      const row = image + ((<usize>ih * W) << 2);
      if (<u32>ih >= <u32>H) {
        for (let t = 0; t < cnt; t += NR) { zeroChunk(out); out += chunkStride; }
      } else if (!(maskedRuns && copyRunMasked(row, W, ow * SW + dw, SW, cnt, out, memEnd))) {
        const left = <i32>(rowLeft - <usize>ih * W); // floats readable from the row's start
        let iw = ow * SW + dw;
        const step = NR * SW;
        for (let t = 0; t < cnt; t += NR) {
          const m = min(NR, cnt - t);
          if (iw >= 0 && iw + (m - 1) * SW < W && iw + step <= left) {
            gatherChunk(row + (<usize>iw << 2), SW, out);
          } else {
            gatherChunkChecked(row, W, iw, SW, m, out);
          }
          iw += step;
          out += chunkStride;
        }
      }
      q += cnt;
      ow = 0;
      if (++oh == OH) { oh = 0; image += xSampleBytes; } // next sample (batched; else q == nc now)
    }
    if (!direct) {
      zeroChunk(rowBuf + (<usize>nc << 2)); // lanes past nc: the last panel's zero padding
      let src = rowBuf, at = dst + ((<usize>kk * NR) << 2);
      for (let jr = 0; jr < nc; jr += NR) {
        copyChunk(src, at);
        src += <usize>NR << 2;
        at += panelBytes;
      }
    }
    if (++kj == KW) {
      kj = 0;
      if (++ki == KH) { ki = 0; c++; }
    }
  }
}

/**
 * A gathered run of `cnt` values row[iw + j·SW] (SW = 1 or 2), zero outside [0, W), in whole f32x4
 * (up to 3 lanes past `cnt` are written; the next run, or the last panel's padding, overwrites them).
 * The loads may reach up to 3 floats before the row and past its end (other rows or other memory,
 * never used: the lanes outside [0, W) are cleared bitwise, +0.0 as the checked copy stores); false,
 * nothing written, where they would leave linear memory.
 * Why: short output rows (OW = 28, 14, 7: the small CNN's) have a border chunk in most runs, which
 * the NR-chunk path copies value by value. Relaxed build, same-process A/B, bit-identical: planned
 * small CNN (batch 64) inference −5 %; 3×3 128→128 @28² −3 %; the other dense shapes within noise.
 * Tried, and slower (+6–8 % on the small CNN): writing 28-wide runs' f32x4 groups straight into the
 * panels (skipping rowBuf) — the scattered 16-byte panel stores cost more than the copy pass.
 */
function copyRunMasked(row: usize, W: i32, iw: i32, SW: i32, cnt: i32, out: usize, memEnd: usize): bool {
  if (!ASC_FEATURE_SIMD) return false; // SIMD builds only
  const lanes = (cnt + 3) & ~3;
  const src = row + (<usize>iw << 2); // iw < 0 wraps back before the row
  if (iw < 0 && row < (<usize>(-iw) << 2)) return false;
  if (src + (<usize>(lanes * SW) << 2) > memEnd) return false;
  const four = i32x4.splat(4 * SW), hi = i32x4.splat(W);
  let idx = SW == 1 ? i32x4(iw, iw + 1, iw + 2, iw + 3) : i32x4(iw, iw + 2, iw + 4, iw + 6);
  const zero = i32x4.splat(0);
  if (SW == 1) {
    for (let t = 0; t < lanes; t += 4) {
      const keep = v128.and(i32x4.ge_s(idx, zero), i32x4.lt_s(idx, hi));
      v128.store(out + (<usize>t << 2), v128.and(v128.load(src + (<usize>t << 2)), keep));
      idx = i32x4.add(idx, four);
    }
  } else {
    for (let t = 0; t < lanes; t += 4) {
      const at = src + (<usize>t << 3);
      const v = v128.shuffle<f32>(v128.load(at), v128.load(at, 16), 0, 2, 4, 6);
      const keep = v128.and(i32x4.ge_s(idx, zero), i32x4.lt_s(idx, hi));
      v128.store(out + (<usize>t << 2), v128.and(v, keep));
      idx = i32x4.add(idx, four);
    }
  }
  return true;
}

/** NR values row[0], row[SW], … (all readable, all inside the row's valid range). */
// @ts-ignore: decorator
@inline function gatherChunk(src: usize, SW: i32, out: usize): void {
  if (SW == 1) {
    copyChunk(src, out);
  } else if (ASC_FEATURE_SIMD && SW == 2) {
    const v0 = v128.load(src), v1 = v128.load(src, 16), v2 = v128.load(src, 32), v3 = v128.load(src, 48);
    v128.store(out, v128.shuffle<f32>(v0, v1, 0, 2, 4, 6));
    v128.store(out, v128.shuffle<f32>(v2, v3, 0, 2, 4, 6), 16);
  } else {
    const step = <usize>SW << 2;
    for (let j = 0; j < NR; j++) {
      store<f32>(out + (<usize>j << 2), load<f32>(src));
      src += step;
    }
  }
}

/** The first `m` of NR values row[iw + j·SW], zero outside [0, W); lanes ≥ m are left as they are. */
function gatherChunkChecked(row: usize, W: i32, iw: i32, SW: i32, m: i32, out: usize): void {
  for (let j = 0; j < m; j++) {
    store<f32>(out + (<usize>j << 2), <u32>iw < <u32>W ? load<f32>(row + (<usize>iw << 2)) : 0);
    iw += SW;
  }
  for (let j = m; j < NR; j++) store<f32>(out + (<usize>j << 2), 0);
}

// @ts-ignore: decorator
@inline function copyChunk(src: usize, out: usize): void {
  if (ASC_FEATURE_SIMD) {
    v128.store(out, v128.load(src));
    v128.store(out, v128.load(src, 16), 16);
  } else {
    for (let j = 0; j < NR; j++) store<f32>(out + (<usize>j << 2), load<f32>(src + (<usize>j << 2)));
  }
}

// @ts-ignore: decorator
@inline function zeroChunk(out: usize): void {
  if (ASC_FEATURE_SIMD) {
    v128.store(out, f32x4.splat(0));
    v128.store(out, f32x4.splat(0), 16);
  } else {
    for (let j = 0; j < NR; j++) store<f32>(out + (<usize>j << 2), 0);
  }
}

// ---- tap-shared panels (relaxed wide path; microkernel.ts "tap-shared B panels") -----------------
// For a stride-1, dilation-1 conv the KW rows k = (c, u, v) of B are ONE input row shifted by v, so
// a panel stores each (c, u) of the block once: a row of tapRowFloats(KW) floats holding
// x[c][oh − PH + u][ow − PW .. ow − PW + NR + KW − 2] (zero outside the image; the floats past
// NR + KW − 1 are never read), the kernel reading tap v's NR values 4·v bytes in. A panel is
// (kc / KW) such rows; the block starts at a (c, u) boundary (p0, kc multiples of KW) and its
// panels lie inside one output row of one sample (OW, j0, nc multiples of NR; the driver checks).
// 3×3 packs 12 floats per (c, u) instead of 3·8 (0.5× the stores, read back 3× from L1 by the kernel).
// Relaxed build, same-process A/B (bench/ab.mjs) vs plain panels: 3×3 64→64 @56² −7 % at batch 1
// and 8, bit-identical (−8 to −9 % with the border chunks as masked f32x4 copies, not value by
// value: 2 of a 56-wide row's 7 chunks are border ones); the other dense bench shapes (OW 28, 14,
// 112·s2) keep plain panels.

/** Floats per (c, u) row of a tap-shared panel: NR + KW − 1 rounded up to whole f32x4. */
// @ts-ignore: decorator
@inline export function tapRowFloats(KW: i32): i32 {
  return (NR + KW - 1 + 3) & ~3;
}

export function packBConvTap(
  p: usize, x: usize,
  p0: i32, kc: i32, j0: i32, nc: i32,
  dst: usize, xSampleBytes: usize,
): void {
  if (!ASC_FEATURE_SIMD) return; // the wide path only
  const H = convH(p), W = convW(p), KH = convKH(p), KW = convKW(p);
  const PH = convPH(p), PW = convPW(p), OW = convOW(p), OH = convOH(p);
  const planeBytes = (<usize>H * W) << 2;
  const pixels = OH * OW;
  let sample0 = 0, n0 = j0;
  if (xSampleBytes) { sample0 = n0 / pixels; n0 -= sample0 * pixels; }
  const oh0 = n0 / OW, ow0 = n0 % OW;
  const RF = tapRowFloats(KW);
  const span = NR + KW - 1; // floats of a row the kernel reads
  const rowBytes = <usize>RF << 2;
  const groups = kc / KW;
  const panelBytes = <usize>groups * rowBytes;
  const rowLeft = <usize>H * W;
  let u = (p0 / KW) % KH, c = p0 / (KW * KH);
  for (let g = 0; g < groups; g++) {
    const dh = u - PH;
    let image = x + <usize>sample0 * xSampleBytes + <usize>c * planeBytes;
    let oh = oh0, ow = ow0;
    let out = dst + <usize>g * rowBytes;
    for (let q = 0; q < nc; q += NR) {
      const ih = oh + dh;
      if (<u32>ih >= <u32>H) {
        for (let t = 0; t < RF; t += 4) v128.store(out + (<usize>t << 2), f32x4.splat(0));
      } else {
        const row = image + ((<usize>ih * W) << 2);
        const iw = ow - PW;
        const readable = <usize>(iw + RF) <= rowLeft - <usize>ih * W; // the loads stay in the plane
        if (iw >= 0 && iw + span <= W && readable) {
          const src = row + (<usize>iw << 2);
          for (let t = 0; t < RF; t += 4) v128.store(out + (<usize>t << 2), v128.load(src + (<usize>t << 2)));
        } else if (iw >= -4 && readable && row >= 16) {
          // a border chunk: whole f32x4 loads (up to 4 floats before the row: memory, not the image),
          // lanes outside [0, W) cleared bitwise (+0.0, as the checked copy stores)
          const src = row + (<usize>iw << 2); // iw < 0: wraps back to row − 4·|iw|
          const lo = i32x4.splat(-iw), hi = i32x4.splat(W - iw);
          let lane = i32x4(0, 1, 2, 3);
          for (let t = 0; t < RF; t += 4) {
            const keep = v128.and(i32x4.ge_s(lane, lo), i32x4.lt_s(lane, hi));
            v128.store(out + (<usize>t << 2), v128.and(v128.load(src + (<usize>t << 2)), keep));
            lane = i32x4.add(lane, i32x4.splat(4));
          }
        } else {
          for (let t = 0; t < RF; t++) {
            const at = iw + t;
            store<f32>(out + (<usize>t << 2), <u32>at < <u32>W ? load<f32>(row + (<usize>at << 2)) : 0);
          }
        }
      }
      out += panelBytes;
      ow += NR;
      if (ow == OW) {
        ow = 0;
        if (++oh == OH) { oh = 0; image += xSampleBytes; } // next sample (batched)
      }
    }
    if (++u == KH) { u = 0; c++; }
  }
}
