/**
 * dcd-wasm public API: `init` / `initSync` return a Backend (wasm-relaxed-simd, wasm-simd,
 * wasm-scalar or js) with the same ops and errors everywhere. See docs/ARCHITECTURE.md, "Bindings API".
 */
export { init, initSync } from './runtime/init';
export type { InitOptions, BackendChoice } from './runtime/init';
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
export {
  DcdError, ShapeError, DTypeError, OptionError, OutOfMemoryError, DisposedTensorError, BackendError, StateDictError,
} from './errors';

// Ops beyond conv2d/linear: types of the functional op groups every backend implements.
export type {
  DynamicConv2dOps, DynamicConv2dOptions, DynamicConv2dGrads, DynamicConv2dState, DynamicConvMode,
} from './ops/dynamic_conv2d';
export type {
  DcdOps, DcdConfig, DcdDims, DcdKind, DcdVariant, DcdState, DcdCache, DcdGrads, DcdForwardOptions, DcdForwardResult,
} from './ops/dcd';
export { resolveDcdConfig, dcdTensorSpecs, paperLatent } from './ops/dcd';

// Layers: parameters and buffers by PyTorch state_dict name, forward/backward, train()/eval().
export { Layer } from './layers/layer';
export type { StateDict, StateTensor, LoadStateDictOptions } from './layers/layer';
export { DynamicConv2d } from './layers/dynamic_conv2d';
export type { DynamicConv2dLayerOptions } from './layers/dynamic_conv2d';
export { DCDConv2d, DCDBasicConv2d, DYModule, DYCls, DcdLayer } from './layers/dcd';
export type { DcdBackend } from './layers/dcd';
