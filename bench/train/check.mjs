// Same network, checked before anything is timed: TensorFlow.js's network is built from this library's
// state dict, then on a small batch both engines give eval-mode logits, train-mode logits (batch
// statistics; moves both running statistics), the loss of one training step, and eval-mode logits after
// that step (so forward, BatchNorm's running statistics, backward, weight decay and Nesterov SGD all
// agree). Bound: max |Δ| / max |ours| ≤ 1e-4 (float32 through 15 layers stays orders below it; a wrong
// layout, layer or update lands orders above).
import { makeBatch } from './workload.mjs';

export const CHECK_BATCH = 4;
export const MAX_REL_ERR = 1e-4;

const relErr = (a, ref) => {
  let d = 0, m = 0;
  for (let i = 0; i < ref.length; i++) { d = Math.max(d, Math.abs(a[i] - ref[i])); m = Math.max(m, Math.abs(ref[i])); }
  return a.length === ref.length ? d / m : Infinity;
};

/** oursEngine / tfjsEngine: (state | null, batch) → engine. Returns { ok, worst, errors, note }. */
export function checkSameNetwork(makeOurs, makeTfjs) {
  const batch = makeBatch(CHECK_BATCH);
  const ours = makeOurs(batch.nchw);
  const tfjs = makeTfjs(ours.stateDict(), batch.nhwc);
  try {
    const errors = {};
    errors.evalLogits = relErr(tfjs.logits(false), ours.logits(false));
    errors.trainLogits = relErr(tfjs.logits(true), ours.logits(true));
    const lo = ours.trainStep(), lt = tfjs.trainStep();
    errors.stepLoss = Math.abs(lt - lo) / Math.abs(lo);
    errors.evalAfterStep = relErr(tfjs.logits(false), ours.logits(false));
    const worst = Math.max(...Object.values(errors));
    const ok = worst <= MAX_REL_ERR;
    return {
      ok, worst, errors, numParameters: [ours.numParameters, tfjs.numParameters],
      note: `${Object.entries(errors).map(([k, v]) => `${k} ${v.toExponential(1)}`).join(', ')}${ok ? '' : ` > ${MAX_REL_ERR}: FAIL`}`,
    };
  } finally {
    ours.dispose();
    tfjs.dispose();
  }
}
