// Backward data of a stride-1 k×k convolution as a FORWARD convolution (used by the DCD backward):
//   dx = conv_transpose(dy, W) = conv(dy, W'),   W'[g·Cg + c, k, i, j] = W[g·Kg + k, c, KH−1−i, KW−1−j]
// with padding D·(KH−1) − PH, i.e. the correlation of dy with the flipped, in/out-swapped kernel. The
// forward conv runs on the blocked GEMM with implicit im2col (no column buffer, no col2im scatter-add):
// measured 4.7 vs 10.8 ms for conv2dBackwardData at 3×3 256→256 @14² (batch 1, CPU time), same result up
// to summation order. The library's conv2dBackwardData now does this itself (conv/conv2d_backward.ts,
// flippedBackwardData, where it is the faster path), so the DCD backward calls that; this export stays for
// the dynamic conv (its aggregateFlipped is checked against it) and as a building block.

/** W' (Cin, Cout/G, KH, KW) from W (Cout, Cin/G, KH, KW): in/out swapped within each group, taps flipped. */
export function dcdFlipConvWeights(K: i32, C: i32, G: i32, KH: i32, KW: i32, w: usize, wt: usize): void {
  const kg = K / G, cg = C / G, taps = KH * KW;
  for (let g = 0; g < G; g++) {
    for (let k = 0; k < kg; k++) {
      for (let c = 0; c < cg; c++) {
        const src = w + ((<usize>((g * kg + k) * cg + c) * taps) << 2);
        const dst = wt + ((<usize>((g * cg + c) * kg + k) * taps) << 2);
        for (let t = 0; t < taps; t++) store<f32>(dst + (<usize>(taps - 1 - t) << 2), load<f32>(src + (<usize>t << 2)));
      }
    }
  }
}
