/**
 * Types of the training toolkit. `ParameterEntry` is the module tree's contract (bindings/nn/module.ts,
 * where `parameterEntries()` makes them); it is re-exported here for code that trains without modules.
 */
export type { ParameterEntry } from '../nn/module';

/** A tensor in a checkpoint: plain data, independent of any backend instance. */
export interface PlainTensor {
  /** Dimensions. */
  shape: number[];
  /** The values, row-major. */
  data: Float32Array;
}
