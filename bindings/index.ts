/**
 * dcd-wasm public API: `init` / `initSync` return a Backend (wasm-relaxed-simd, wasm-simd,
 * wasm-scalar or js) with the same ops and errors everywhere. See docs/ARCHITECTURE.md, "Bindings API".
 */
export { init, initSync } from './runtime/init';
export type { InitOptions, BackendChoice } from './runtime/init';
export type { DebugOptions } from './runtime/debug';
export type { Arena } from './runtime/arena';
export type { ThreadsOption } from './runtime/threads/start';
export type { WasmInput, WasmFile, WasmResolver } from './runtime/source';
export { relaxedSimdSupported, simdSupported } from './runtime/features';
export { Tensor } from './tensor';
export type { DType } from './tensor';
export type {
  Backend, BackendInfo, BackendName, CoreOps, Conv2dOps, LinearOps, MemoryStats, WasmSource,
} from './backend';
export type {
  Conv2dOptions, Conv2dBackwardOptions, Conv2dGeometry, Conv2dGrads, Pair, Padding,
} from './ops/conv2d_options';
export type { LinearBackwardOptions, LinearGrads } from './ops/linear_options';
export type { LinearOptions } from './ops/linear_options';
export type { PrepareConv2dOptions, PreparedConv2d, Workspace } from './ops/conv2d_prepared';
// Prepared ops: functions of their weight tensor, so that only code that prepares bundles them.
export { prepareConv2d, prepareDcdForward, createWorkspace } from './backends/prepared';
export type { PrepareDcdOptions, PreparedDcd } from './ops/dcd_prepared';
export type { FusedActivation } from './ops/fused_output';
export {
  DcdError, ShapeError, DTypeError, OptionError, OutOfMemoryError, DisposedTensorError, BackendError, StateDictError,
} from './errors';

// I/O (bindings/io/): safetensors in and out, images in, classes out. Plain data, no backend needed.
export {
  readSafetensors, writeSafetensors, stateDictFromSafetensors, safetensorsFromStateDict, halfToFloat, MAX_HEADER_BYTES,
} from './io/safetensors';
export type {
  SafetensorsFile, SafetensorsTensor, ReadSafetensorsOptions, WritableTensor,
} from './io/safetensors';
export { imageToTensorData, imagesToTensorData, IMAGENET_MEAN, IMAGENET_STD } from './io/image';
export type { ImageDataLike, ImageOptions, ImageTensorData, SizeOption } from './io/image';
export { softmax, topK, parseLabels } from './io/classify';
export { decodePnm, encodePnm } from './io/pnm';
export type { DecodedImage } from './io/pnm';
export type { ClassScore, Rows } from './io/classify';

// Ops beyond conv2d/linear: types of the functional op groups every backend implements.
export type {
  DynamicConv2dOps, DynamicConv2dOptions, DynamicConv2dGrads, DynamicConv2dState, DynamicConvMode,
} from './ops/dynamic_conv2d';
export type {
  DcdOps, DcdConfig, DcdDims, DcdKind, DcdVariant, DcdState, DcdCache, DcdGrads, DcdForwardOptions, DcdForwardResult, DcdEvalStrategy,
} from './ops/dcd';
export { resolveDcdConfig, dcdTensorSpecs, paperLatent } from './ops/dcd';
// The benchmark's unfused DCD baseline (wasm backends; not a Backend method, so bundles leave it out).
export { dcdForwardUnfused } from './backends/wasm/dcd_unfused';

// The module tree (bindings/nn): torch.nn-shaped modules whose dotted names are PyTorch state dicts.
export * from './nn/index';
// Whole networks (bindings/models).
export * from './models/index';
// Inference plans: a model compiled once for one input shape (bindings/plan).
export * from './plan/index';
export type {
  NnOps, Activation, BatchNormOptions, BatchNormState, BatchNormResult, BatchNormSaved, BatchNormGrads, Pool2dOptions,
} from './ops/nn';
export { fmix32, hash32, unit as hashUnit, fnv1a32 } from './ops/nn_hash';

// Training (bindings/train/): optimisers, losses, schedules, data pipeline; kernels in OptimOps / LossOps,
// reached through a tensor (trainingOps(t)) so that inference-only bundles leave them out.
export { trainingOps, type TrainingOps } from './train/kernels';
export type { OptimOps, SgdStepOptions, AdamwStepOptions } from './ops/optim';
export type { LossOps, LossResult, CrossEntropyOptions, MseOptions, LossReduction } from './ops/loss';
export { NonFiniteError, DataFormatError, PlanError } from './errors';
export type { PlainTensor } from './train/types';
export { Optimizer, SGD, AdamW, clipGradNorm } from './train/optim';
export type { SGDOptions, AdamWOptions, OptimizerStateDict, ClipGradNormOptions, OptimBackend } from './train/optim';
export { crossEntropy, mse } from './train/loss';
export type { LossBackend } from './train/loss';
export { stepLR, cosineLR, linearWarmup, sequential, warmupCosine, temperature } from './train/schedule';
export type { Schedule } from './train/schedule';
export { parseIdx, readIdx, gunzip, isGzip, encodeIdx } from './train/idx';
export type { IdxArray, IdxDType, IdxData } from './train/idx';
export { Rng, imageDataset, takeFirst, makeBatch, BatchLoader } from './train/data';
export type { ImageDataset, AugmentOptions, BatchOptions, Batch, BatchLoaderOptions } from './train/data';
export { saveCheckpoint, loadCheckpoint } from './train/checkpoint';
export type { TensorLike, Checkpoint, LoadedCheckpoint } from './train/checkpoint';
