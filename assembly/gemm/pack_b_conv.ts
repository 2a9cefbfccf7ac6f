// Implicit im2col: packs a block of the convolution's B operand straight from the image, so no
// im2col matrix is ever materialised. B is (Cin/G·KH·KW) × (OH·OW): row k = (c, ki, kj),
// column n = (oh, ow), value x[c][oh·SH − PH + ki·DH][ow·SW − PW + kj·DW], zero outside the image.
// Same panel layout as pack_b.ts (NR columns per panel, zero-padded past `nc`).
// `x` points at channel 0 of this sample's group; `p` is the conv descriptor.
// Batched (xSampleBytes ≠ 0): the columns run over several samples — column n = s·OH·OW + (oh, ow)
// reads sample s's image at x + s·xSampleBytes — so one GEMM covers a whole batch of small images.

import { NR } from "./config";
import {
  convDH, convDW, convH, convKH, convKW, convOH, convOW, convPH, convPW, convSH, convSW, convW,
} from "../conv/conv2d_params";

export function packBConv(
  p: usize, x: usize,
  p0: i32, kc: i32, j0: i32, nc: i32,
  dst: usize, xSampleBytes: usize = 0,
): void {
  const H = convH(p), W = convW(p), KH = convKH(p), KW = convKW(p);
  const SH = convSH(p), SW = convSW(p), PH = convPH(p), PW = convPW(p);
  const DH = convDH(p), DW = convDW(p), OW = convOW(p), OH = convOH(p);
  const planeBytes = (<usize>H * W) << 2;
  const pixels = OH * OW;
  const x0 = x;
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = min(NR, nc - jr);
    let n0 = j0 + jr;
    if (xSampleBytes) {
      const sample = n0 / pixels;
      x = x0 + <usize>sample * xSampleBytes;
      n0 -= sample * pixels;
    }
    const oh0 = n0 / OW, ow0 = n0 % OW;
    // the whole panel lies in one output row: one input row per k, columns SW apart
    const oneRow = cols == NR && ow0 + NR <= OW;
    let out = dst + ((<usize>jr * kc) << 2);
    // decompose the first k of the block into (c, ki, kj); then step it incrementally
    let kj = p0 % KW, ki = (p0 / KW) % KH, c = p0 / (KW * KH);
    for (let kk = 0; kk < kc; kk++) {
      const image = x + <usize>c * planeBytes;
      if (oneRow) {
        const ih = oh0 * SH - PH + ki * DH;
        const iw0 = ow0 * SW - PW + kj * DW;
        packRowRun(image, H, W, ih, iw0, SW, out);
      } else {
        packScattered(image, H, W, OW, OH, oh0, ow0, cols, SH, SW, ki * DH - PH, kj * DW - PW, xSampleBytes, out);
      }
      out += <usize>NR << 2;
      if (++kj == KW) {
        kj = 0;
        if (++ki == KH) { ki = 0; c++; }
      }
    }
  }
}

/** NR values from input row `ih`, columns iw0, iw0+SW, …; zero where outside the image. */
// @ts-ignore: decorator
@inline function packRowRun(image: usize, H: i32, W: i32, ih: i32, iw0: i32, SW: i32, out: usize): void {
  if (<u32>ih >= <u32>H) {
    zeroPanelRow(out);
    return;
  }
  const row = image + ((<usize>ih * W) << 2);
  const last = iw0 + (NR - 1) * SW;
  if (iw0 >= 0 && last < W) {
    if (SW == 1) {
      copyContiguous(row + (<usize>iw0 << 2), out);
    } else if (ASC_FEATURE_SIMD && SW == 2 && iw0 + 2 * NR <= W) {
      copyEvenLanes(row + (<usize>iw0 << 2), out);
    } else {
      let src = row + (<usize>iw0 << 2);
      const step = <usize>SW << 2;
      for (let j = 0; j < NR; j++) {
        store<f32>(out + (<usize>j << 2), load<f32>(src));
        src += step;
      }
    }
  } else {
    for (let j = 0; j < NR; j++) {
      const iw = iw0 + j * SW;
      store<f32>(out + (<usize>j << 2), <u32>iw < <u32>W ? load<f32>(row + (<usize>iw << 2)) : 0);
    }
  }
}

/** General case: the panel wraps across output rows or is the partial last panel. */
function packScattered(
  image: usize, H: i32, W: i32, OW: i32, OH: i32, oh: i32, ow: i32, cols: i32,
  SH: i32, SW: i32, dh: i32, dw: i32, sampleBytes: usize, out: usize,
): void {
  for (let j = 0; j < NR; j++) {
    let v: f32 = 0;
    if (j < cols) {
      const ih = oh * SH + dh, iw = ow * SW + dw;
      if (<u32>ih < <u32>H && <u32>iw < <u32>W) v = load<f32>(image + ((<usize>ih * W + iw) << 2));
      if (++ow == OW) {
        ow = 0;
        if (++oh == OH && sampleBytes) { oh = 0; image += sampleBytes; } // next sample (batched)
      }
    }
    store<f32>(out + (<usize>j << 2), v);
  }
}

// @ts-ignore: decorator
@inline function copyContiguous(src: usize, out: usize): void {
  if (ASC_FEATURE_SIMD) {
    v128.store(out, v128.load(src));
    v128.store(out, v128.load(src, 16), 16);
  } else {
    for (let j = 0; j < NR; j++) store<f32>(out + (<usize>j << 2), load<f32>(src + (<usize>j << 2)));
  }
}

/** Stride 2: 16 contiguous floats in, the 8 even ones out (4 loads + 2 shuffles, no gathers). */
// @ts-ignore: decorator
@inline function copyEvenLanes(src: usize, out: usize): void {
  const v0 = v128.load(src), v1 = v128.load(src, 16), v2 = v128.load(src, 32), v3 = v128.load(src, 48);
  v128.store(out, v128.shuffle<f32>(v0, v1, 0, 2, 4, 6));
  v128.store(out, v128.shuffle<f32>(v2, v3, 0, 2, 4, 6), 16);
}

// @ts-ignore: decorator
@inline function zeroPanelRow(out: usize): void {
  for (let j = 0; j < NR; j++) store<f32>(out + (<usize>j << 2), 0);
}
