// TensorFlow.js on its wasm backend = XNNPACK. In Node, tfjs-backend-wasm never picks its threaded
// binary (WASM_HAS_MULTITHREAD_SUPPORT is false under IS_NODE), so it loads tfjs-backend-wasm-simd.wasm
// and runs XNNPACK on one thread; setThreadsCount(1) pins that anyway.
// tfjs convs are NHWC with HWIO filters (XNNPACK's native layout): inputs are converted once, outside
// the timed call, and outputs converted back to NCHW for the correctness check.
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths, setThreadsCount, getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { nchwToNhwc, nhwcToNchw, oihwToHwio } from '../layout.mjs';

export async function createTfjsWasmEngine() {
  const dist = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
  setWasmPaths(join(dist, '/'));
  setThreadsCount(1);
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs: the wasm backend failed to initialise');
  await tf.ready();
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  return {
    name: 'xnnpack',
    label: `XNNPACK (tfjs-backend-wasm ${tf.version_core}, ${simd ? 'SIMD' : 'no SIMD'}, ${threads ? getThreadsCount() : 1} thread)`,
    tf,
    prepareConv: (conv) => prepareConv(conv),
  };
}

function prepareConv(conv) {
  const { batch, c, k, hw, kernel, stride, padding, groups, outHw } = conv;
  const depthwise = groups > 1;
  if (depthwise && groups !== c) throw new Error('tfjs: only dense and depthwise convs are benchmarked');
  const x = tf.tensor4d(nchwToNhwc(conv.x, batch, c, hw, hw), [batch, hw, hw, c]);
  // Depthwise filters are (C, 1, kh, kw) in PyTorch and [kh, kw, C, 1] in tfjs: the same HWIO transpose.
  const filter = depthwise
    ? tf.tensor4d(oihwToHwio(conv.weight, c, 1, kernel, kernel), [kernel, kernel, c, 1])
    : tf.tensor4d(oihwToHwio(conv.weight, k, c, kernel, kernel), [kernel, kernel, c, k]);
  const bias = tf.tensor1d(conv.bias);
  const pad = [[0, 0], [padding, padding], [padding, padding], [0, 0]]; // PyTorch's symmetric padding
  const op = depthwise ? tf.fused.depthwiseConv2d : tf.fused.conv2d;
  const forward = () => op({ x, filter, bias, strides: stride, pad: padding === 0 ? 'valid' : pad });
  return {
    run: () => forward().dispose(),
    output: () => {
      const y = forward();
      const data = y.dataSync();
      y.dispose();
      return nhwcToNchw(data, batch, k, outHw, outHw);
    },
    dispose: () => { x.dispose(); filter.dispose(); bias.dispose(); },
  };
}
