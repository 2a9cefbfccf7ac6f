// ONNX Runtime Web, wasm execution provider, one thread. 1.30 ships only ort-wasm-simd-threaded.wasm
// (SIMD always on); numThreads = 1 keeps it off its pthread pool. Each conv is a one-node ONNX model
// built in memory (onnx_model.mjs) with the weights as initializers, so ORT can pre-pack them.
// session.run copies the input into its heap and the output out of it: that is part of its API cost.
import * as ort from 'onnxruntime-web';
import { convModel } from '../onnx_model.mjs';

export async function createOrtWebEngine() {
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  ort.env.logLevel = 'error';
  return {
    name: 'ort',
    label: `ONNX Runtime Web ${ort.env.versions.web} (wasm EP, SIMD, 1 thread)`,
    prepareConv: (conv) => prepareConv(conv),
  };
}

async function prepareConv(conv) {
  const session = await ort.InferenceSession.create(convModel(conv), {
    executionProviders: ['wasm'], graphOptimizationLevel: 'all',
  });
  const feeds = { x: new ort.Tensor('float32', conv.x, [conv.batch, conv.c, conv.hw, conv.hw]) };
  return {
    run: async () => { (await session.run(feeds)).y.dispose(); },
    output: async () => {
      const { y } = await session.run(feeds);
      const data = new Float32Array(y.data);
      y.dispose();
      return data;
    },
    dispose: () => session.release(),
  };
}
