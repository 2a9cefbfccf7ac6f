// conv2d backward, one part of `parts` for the thread pool (see gemm/partition.ts). `ws` is this
// part's own: PART_SCRATCH bytes of scratch, then conv2dWorkspaceBytes(p, pass) bytes. Every split keeps each element's
// summation order, so results are bit-identical to conv2d_backward.ts (which runs the same block
// functions on whole groups):
//   data, 1×1:      column ranges of dx's pixels (as the forward pass).
//   data, flipped:  input-channel ranges (multiples of 8) = row ranges of the flipped forward GEMM;
//                   each part flips only its rows of W'.
//   data, columns:  input-channel ranges: a channel's dx plane only receives its own column rows
//                   (c, u, v), so parts scatter into disjoint planes (pixel ranges would overlap).
//                   With at least as many samples as parts: sample ranges instead. A channel part
//                   re-packs every block of dY (Cout/G × block) for its rows of W_gᵀ; a sample part
//                   packs only its own columns, and W_gᵀ once more per block its range cuts (≤ parts −
//                   1 extra, where the whole op packs W_gᵀ per block anyway). And Cin = 1 (the stem)
//                   has one channel part.
//   weight:         input-channel ranges = column ranges of dW; each part im2cols only its channels.
//                   Ranges start at multiples of 8 channels (so dW tiles stay on the same columns),
//                   a thread's share each (weightChannelAlign).
//   db:             output-channel ranges.
// conv2dBackwardWeightSamplesPart: dW when the channels give fewer ranges than threads
// (the stem's Cin = 1: one part), split by samples instead; part 0 writes dw, part j ≥ 1 partial
// j − 1, and conv2dBackwardWeightReduce adds them in part order. The batch sum is grouped by part:
// equal to one thread up to float32 rounding, and the same bits for the same part count whichever
// thread ran which part (as dynamic/conv_part.ts's ∂W_k).

import { sgemm } from "../gemm/sgemm";
import { PART_SCRATCH, partStart, partStart1, threadsOfParts } from "../gemm/partition";
import {
  align64, columnBackwardData, columnBackwardWeight, flippedBackwardData, flipsBackwardData,
  pointwiseBackwardWeight, pointwiseWeightInPlace,
} from "./conv2d_backward";
import { depthwiseBackwardDataPart, depthwiseBackwardWeightPart } from "./depthwise_part";
import { planeSum } from "./depthwise_plane";
import {
  convC, convG, convH, convIsDepthwise, convIsPointwise, convK, convKH, convKW, convN, convOH, convOW,
  convPatchSize, convW,
} from "./conv2d_params";

/** Does conv2dBackwardDataPart split samples (column path only; see the header)? */
export function conv2dBackwardDataSplitsSamples(p: usize, parts: i32): bool {
  return !convIsPointwise(p) && !flipsBackwardData(p) && convN(p) >= parts;
}

/** conv2dBackwardData's part (accumulate as there: dx += instead of dx =). */
export function conv2dBackwardDataPart(p: usize, dy: usize, w: usize, dx: usize, accumulate: i32, ws: usize,
  part: i32, parts: i32): void {
  if (convIsDepthwise(p)) {
    depthwiseBackwardDataPart(p, dy, w, dx, accumulate, ws, part, parts);
    return;
  }
  ws += PART_SCRATCH;
  const C = convC(p), K = convK(p), G = convG(p);
  const cg = C / G, kg = K / G;
  const inPlane = convH(p) * convW(p), pixels = convOH(p) * convOW(p);
  if (convIsPointwise(p)) {
    const segs = convN(p) * G;
    const a = partStart(segs, pixels, part, parts, 8), e = partStart(segs, pixels, part + 1, parts, 8);
    for (let s = <i32>(a / pixels); <i64>s * pixels < e; s++) {
      const i0 = <i32>max<i64>(a - <i64>s * pixels, 0), i1 = <i32>min<i64>(e - <i64>s * pixels, pixels);
      if (i0 >= i1) continue;
      const n = s / G, g = s % G;
      const dyG = dy + ((<usize>(n * K + g * kg) * pixels) << 2);
      const dxG = dx + ((<usize>(n * C + g * cg) * inPlane) << 2);
      const wG = w + ((<usize>g * kg * cg) << 2);
      sgemm(1, 0, cg, i1 - i0, kg, wG, cg, dyG + (<usize>i0 << 2), pixels, dxG + (<usize>i0 << 2), pixels, accumulate, ws);
    }
    return;
  }
  const flipped = flipsBackwardData(p);
  if (conv2dBackwardDataSplitsSamples(p, parts)) {
    const n0 = partStart1(convN(p), part, parts, 1), n1 = partStart1(convN(p), part + 1, parts, 1);
    for (let g = 0; n0 < n1 && g < G; g++) columnBackwardData(p, dy, w, dx, ws, g, 0, cg, accumulate, n0, n1);
    return;
  }
  const align = flipped ? 8 : 1;
  const a = partStart(G, cg, part, parts, align), e = partStart(G, cg, part + 1, parts, align);
  for (let g = <i32>(a / cg); <i64>g * cg < e; g++) {
    const c0 = <i32>max<i64>(a - <i64>g * cg, 0), c1 = <i32>min<i64>(e - <i64>g * cg, cg);
    if (c0 >= c1) continue;
    if (flipped) flippedBackwardData(p, dy, w, dx, ws, g, c0, c1, accumulate);
    else columnBackwardData(p, dy, w, dx, ws, g, c0, c1, accumulate);
  }
}

export function conv2dBackwardWeightPart(
  p: usize, x: usize, dy: usize, dw: usize, db: usize, ws: usize, part: i32, parts: i32,
): void {
  if (convIsDepthwise(p)) {
    depthwiseBackwardWeightPart(p, x, dy, dw, db, part, parts);
    return;
  }
  ws += PART_SCRATCH;
  const N = convN(p), K = convK(p), G = convG(p);
  const cg = convC(p) / G, pixels = convOH(p) * convOW(p);
  if (N == 0 && part == 0) memory.fill(dw, 0, <usize>K * convPatchSize(p) << 2);
  const inPlace = pointwiseWeightInPlace(p);
  const align = weightChannelAlign(p, parts);
  const a = partStart(G, cg, part, parts, align), e = partStart(G, cg, part + 1, parts, align);
  for (let g = <i32>(a / cg); N > 0 && <i64>g * cg < e; g++) {
    const c0 = <i32>max<i64>(a - <i64>g * cg, 0), c1 = <i32>min<i64>(e - <i64>g * cg, cg);
    if (c0 >= c1) continue;
    if (inPlace) pointwiseBackwardWeight(p, x, dy, dw, ws, g, c0, c1);
    else columnBackwardWeight(p, x, dy, dw, ws, g, c0, c1);
  }
  if (db) biasGradientPart(dy, db, N, K, pixels, partStart1(K, part, parts, 1), partStart1(K, part + 1, parts, 1));
}

// db[o] = Σ_{n,q} dy[n, o, q] for o in [o0, o1), in conv2d_backward.ts's order
function biasGradientPart(dy: usize, db: usize, N: i32, K: i32, pixels: i32, o0: i32, o1: i32): void {
  for (let o = o0; o < o1; o++) {
    let s: f32 = 0;
    for (let n = 0; n < N; n++) s += planeSum(dy + ((<usize>(n * K + o) * pixels) << 2), pixels);
    store<f32>(db + (<usize>o << 2), s);
  }
}

/**
 * conv2dBackwardWeightPart's channel ranges start at multiples of this: 8 (dW's column tiles stay where
 * the whole op has them), or a thread's share of the group's channels rounded down to 8 — every
 * channel part packs all of dY again (Cout/G × the batch's pixels), so fewer, wider parts: a 1×1
 * 64 → 128 stride-2 shortcut's 8 parts of 8 channels cost 1.25–1.4× the one-thread op in all.
 */
function weightChannelAlign(p: usize, parts: i32): i32 {
  return max(8, (convC(p) / convG(p) / threadsOfParts(parts)) & ~7);
}

/** Input-channel ranges conv2dBackwardWeightPart gives work to (per group). */
function weightChannelParts(p: usize, parts: i32): i32 {
  const G = convG(p), cg = convC(p) / G, align = weightChannelAlign(p, parts);
  return min(parts, G * ((cg + align - 1) / align));
}

/**
 * Does the threaded dW split samples (conv2dBackwardWeightSamplesPart + conv2dBackwardWeightReduce)
 * rather than channels? When the channel ranges cannot keep the threads busy and every part gets a
 * sample; never for depthwise convs (their own kernel) or pointwise ones on big images (in place).
 */
export function conv2dBackwardWeightSplitsSamples(p: usize, parts: i32): bool {
  return !convIsDepthwise(p) && !pointwiseWeightInPlace(p) && convN(p) >= parts &&
    weightChannelParts(p, parts) < threadsOfParts(parts);
}

/** Bytes of one part's partial dW (conv2dBackwardWeightSamplesPart), 64-aligned. */
export function conv2dBackwardWeightPartialBytes(p: usize): usize {
  return align64(<usize>convK(p) * convPatchSize(p) << 2);
}

/**
 * dW over samples partStart1(N, part, parts) …: into dw (part 0) or into partial part − 1 (`partials`,
 * conv2dBackwardWeightPartialBytes(p) apart); db by output channels, as conv2dBackwardWeightPart.
 * `ws`: PART_SCRATCH, then conv2dWorkspaceBytes(p, 2).
 */
export function conv2dBackwardWeightSamplesPart(
  p: usize, x: usize, dy: usize, dw: usize, db: usize, partials: usize, ws: usize, part: i32, parts: i32,
): void {
  ws += PART_SCRATCH;
  const N = convN(p), K = convK(p), G = convG(p), cg = convC(p) / G;
  const target = part == 0 ? dw : partials + <usize>(part - 1) * conv2dBackwardWeightPartialBytes(p);
  const n0 = partStart1(N, part, parts, 1), n1 = partStart1(N, part + 1, parts, 1);
  if (n0 == n1) memory.fill(target, 0, <usize>K * convPatchSize(p) << 2);
  for (let g = 0; n0 < n1 && g < G; g++) columnBackwardWeight(p, x, dy, target, ws, g, 0, cg, n0, n1);
  if (db) biasGradientPart(dy, db, N, K, convOH(p) * convOW(p), partStart1(K, part, parts, 1), partStart1(K, part + 1, parts, 1));
}

/** After conv2dBackwardWeightSamplesPart over `parts` parts: dw += partials 0 … parts − 2, in part order. */
export function conv2dBackwardWeightReduce(p: usize, dw: usize, partials: usize, parts: i32): void {
  const len = convK(p) * convPatchSize(p), stride = conv2dBackwardWeightPartialBytes(p);
  for (let i = 0; i < len; i++) {
    const o = <usize>i << 2;
    let acc = load<f32>(dw + o);
    for (let j = 0; j < parts - 1; j++) acc += load<f32>(partials + <usize>j * stride + o);
    store<f32>(dw + o, acc);
  }
}
