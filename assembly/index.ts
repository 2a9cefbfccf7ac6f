// The kernel ABI: every export below is called by bindings/backends/wasm with byte offsets
// into this module's linear memory. See docs/ARCHITECTURE.md, "Kernel ABI".

/** First byte the bindings' allocator may use (everything below is static data). */
export function heapBase(): usize {
  return __heap_base;
}

/** 1 when this build uses 128-bit SIMD, 0 for the scalar build. */
export function simdEnabled(): i32 {
  return ASC_FEATURE_SIMD ? 1 : 0;
}

/** 1 in the relaxed-SIMD build (f32x4.relaxed_madd, a fused multiply-add), else 0. */
export function relaxedSimdEnabled(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 1 : 0;
}

export { sgemm, sgemmWorkspaceBytes } from "./gemm/sgemm";
export { depthwiseConv2dForward, depthwiseConv2dBackwardData, depthwiseConv2dBackwardWeight } from "./conv/depthwise";
export { depthwiseConv2dBackward } from "./conv/depthwise";
export { globalAvgPoolForward, globalAvgPoolBackward, adaptiveAvgPoolForward, adaptiveAvgPoolBackward } from "./nn/pool";
export { conv2dBackwardData, conv2dBackwardDataWorkspaceBytes, conv2dBackwardWeight, conv2dBackwardWeightWorkspaceBytes } from "./conv/conv2d_backward";
export { conv2dForward, conv2dForwardScaled, conv2dForwardScaledWorkspaceBytes, conv2dWorkspaceBytes } from "./conv/conv2d_forward";
export { linearForward, linearBackward, linearWorkspaceBytes } from "./nn/linear";
export { hsigForward, hsigBackward, reluForward, reluBackward, relu6Forward, relu6Backward, sigmoidForward, sigmoidBackward } from "./nn/activation";
export { batchNormForwardTrain, batchNormForwardEval, batchNormBackwardTrain, batchNormBackwardEval } from "./nn/batchnorm";
export { dcdBranchForward, dcdBranchBackward, dcdBranchWorkspaceBytes } from "./dcd/branch";
export { dcdPhiForward, dcdPhiBackward } from "./dcd/phi";
export { dcdScaleForward, dcdScaleBackward } from "./dcd/scale";
export { dcdProjectForward, dcdProjectBackward, dcdProjectWorkspaceBytes } from "./dcd/project";
export { dcdAddInto } from "./dcd/add";
export { dcdFlipConvWeights } from "./dcd/flip";
export { dcdEffectiveWeight, dcdEffectiveWorkspaceBytes } from "./dcd/effective";
export { dcdEvalForward, dcdEvalForwardWorkspaceBytes } from "./dcd/forward_eval";
export { dcdOutputEpilogue } from "./dcd/epilogue";
export { dynamicAttentionForward, dynamicAttentionBackward, dynamicAttentionWorkspaceBytes } from "./dynamic/attention";
export { dynamicConv2dForward, dynamicConv2dBackward, dynamicConv2dWorkspaceBytes } from "./dynamic/conv";
export { softmaxForward, softmaxBackward } from "./nn/softmax";
// One part of an op, for the thread pool (bindings/runtime/threads): (…the op's arguments, ws, part, parts)
export { conv2dForwardPart } from "./conv/conv2d_forward_part";
export { conv2dBackwardDataPart, conv2dBackwardWeightPart } from "./conv/conv2d_backward_part";
export { linearForwardPart, linearBackwardPart } from "./nn/linear_part";
export { depthwiseBackwardPart } from "./conv/depthwise_part";
// The network-pieces op group (bindings/ops/nn.ts)
export { batchNormForwardTrainFused, batchNormForwardEvalFused } from "./nn/batchnorm";
export { addForward, axpby, hardsigmoidForward, hardsigmoidBackward, tensorCopy } from "./nn/elementwise";
export { dropoutApply } from "./nn/dropout";
export { maxPool2dForward, maxPool2dBackward } from "./nn/maxpool";
export { avgPool2dForward, avgPool2dBackward } from "./nn/avgpool";
export { logSoftmaxForward, logSoftmaxBackward } from "./nn/logsoftmax";
// Training (assembly/train): optimiser updates in place, global-norm pieces, fused losses
export { sgdStep, adamwStep, sumSquares, scaleInPlace } from "./train/optim";
export { crossEntropyForwardBackward, mseForwardBackward } from "./train/loss";
// Fused conv output (bias + residual + ReLU / ReLU6 in the output write) and its thread part
export { conv2dForwardFused, conv2dForwardFusedWorkspaceBytes } from "./conv/conv2d_forward";
export { conv2dForwardFusedPart } from "./conv/conv2d_forward_part";
// Weights packed once for the relaxed build's wide tile (prepared convs), and the forward that reads them
export { conv2dPackedWeightsBytes, conv2dPackWeights, conv2dForwardPacked } from "./conv/conv2d_packed";
export { conv2dForwardPackedPart } from "./conv/conv2d_forward_part";
// Training-step thread parts: dynamic convolution split by samples, BatchNorm (train) by channels
export { dynamicConv2dForwardPart, dynamicConv2dBackwardPart, dynamicConv2dReducePart, dynamicConv2dPartialBytes } from "./dynamic/conv_part";
export { batchNormForwardTrainPart, batchNormBackwardTrainPart } from "./nn/batchnorm_part";
export { dcdProjectForwardPart, dcdProjectBackwardPart, dcdPhiForwardPart, dcdPhiBackwardPart, dcdScaleForwardPart, dcdScaleBackwardPart } from "./dcd/train_part";
export { elementwisePart } from "./nn/elementwise_part";

// The composed DCD eval forward for the thread pool: its dynamic parts beside the static conv's parts
export {
  dcdEvalForwardPart, dcdEvalForwardFinish, dcdEvalForwardFinishPart, dcdEvalForwardSharedBytes, dcdEvalForwardPartWorkspaceBytes,
} from "./dcd/forward_eval_part";
// Pooling for the thread pool: a range of planes per part
export { maxPool2dForwardPart, globalAvgPoolForwardPart, adaptiveAvgPoolForwardPart, avgPoolBackwardPart } from "./nn/pool_part";
// DCD's effective weights for the thread pool: a range of output channels per part
export { dcdEffectiveWeightPart } from "./dcd/effective_part";
// A conv's dW split by samples when its input channels cannot keep the threads busy (the stem's Cin = 1)
export {
  conv2dBackwardWeightSamplesPart, conv2dBackwardWeightReduce, conv2dBackwardWeightSplitsSamples, conv2dBackwardWeightPartialBytes,
} from "./conv/conv2d_backward_part";
// DY-Conv's attention around its pool, for the threads build (the pool and ∂x's pool share split by planes)
export { dynamicAttentionHead, dynamicAttentionBackwardHead } from "./dynamic/attention";
export { dynamicAttentionPoolGradPart } from "./dynamic/conv_part";
