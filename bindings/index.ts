/**
 * dcd-wasm public API: `init` / `initSync` return a Backend (wasm-simd, wasm-scalar or js) with the
 * same ops and errors everywhere. See docs/ARCHITECTURE.md, "Bindings API".
 */
export { init, initSync } from './runtime/init';
export type { InitOptions, BackendChoice } from './runtime/init';
export type { WasmInput } from './runtime/source';
export { simdSupported } from './runtime/features';
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
