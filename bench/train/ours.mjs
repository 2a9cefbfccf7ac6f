// This library through its public API (dist/index.js), one training step and one inference batch as
// examples/train/fashion-mnist.mjs writes them: forward, crossEntropy, zeroGrad, backward, SGD step, all
// inside m.scope() (the input tensor included); inference = what a user runs for inference: the
// eval-mode network compiled by planInference (BatchNorm folded, activations fused, memory planned),
// built once on first use from the weights of that moment (its speed does not depend on their values;
// the interleaved training steps change the network's weights, not the plan's copies), logits read out.
import { SGD_OPTIONS, LABEL_SMOOTHING, TEMPERATURE } from './workload.mjs';

/** One init() per engine (backend, threads), holding one network at a time. */
export async function initOurs(lib, backend, threads) {
  const m = await lib.init({ backend, ...(threads > 1 ? { threads } : {}) });
  const info = m.info();
  if (info.backend !== backend) throw new Error(`init({ backend: '${backend}' }) gave '${info.backend}'`);
  if (info.threads !== threads) throw new Error(`init({ threads: ${threads} }) runs ${info.threads} thread(s)${info.threadsNote ? `: ${info.threadsNote}` : ''}`);
  return m;
}

/** batch: { x (NCHW Float32Array), shape, labels (Int32Array) }. Seed 0: every engine gets the same weights. */
export function createOursEngine(lib, m, variant, batch) {
  const net = lib.smallCnn(m, { variant, seed: 0, ...(variant === 'dy' ? { temperature: TEMPERATURE } : {}) });
  const opt = new lib.SGD(m, net.parameterEntries(), { ...SGD_OPTIONS });
  const forward = () => net.forward(m.tensor(batch.x, batch.shape));
  let plan = null;
  return {
    numParameters: net.numParameters(),
    stateDict: () => net.stateDict(),
    logits: (training) => { (training ? net.train() : net.eval()); return m.scope(() => forward().toFloat32Array()); },
    trainStep: () => {
      net.train();
      return m.scope(() => {
        const { loss, grad } = lib.crossEntropy(m, forward(), batch.labels, { labelSmoothing: LABEL_SMOOTHING });
        opt.zeroGrad();
        net.backward(grad);
        opt.step();
        return loss;
      });
    },
    infer: () => {
      if (!plan) plan = lib.planInference(net.eval(), { inputShape: batch.shape });
      return plan.run(batch.x).slice();
    },
    liveTensors: () => m.info().liveTensors,
    dispose: () => { plan?.dispose(); opt.dispose(); net.dispose(); },
  };
}
