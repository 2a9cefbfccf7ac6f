/** Inference plans (bindings/plan): a model in eval mode compiled once for one input shape — BatchNorm, activations and residual adds folded into the convs, activations in one pre-planned arena. */
export { planInference, InferencePlan, type InferencePlanOptions, type InferencePlanStats, type InferenceRunOptions, type InferenceProfile, type InferenceProfileOptions, type InferenceStepProfile } from './plan';
export type { Arena } from '../runtime/arena';
