/**
 * The contract between the module tree (bindings/nn/) and the training toolkit: every module lists
 * its trainable tensors as live entries. `grad` is the gradient accumulated over backward calls since
 * the last zeroGrad() (as PyTorch's `.grad`), null before any backward or after zeroGrad().
 */
import type { Tensor } from '../tensor';

/** One trainable tensor of a module with its accumulated gradient (live: optimisers read and update them in place). */
export interface ParameterEntry {
  /** The PyTorch state_dict name, e.g. 'blocks.0.conv1.weight'. */
  readonly name: string;
  /** The parameter itself; optimisers update it in place. */
  readonly value: Tensor;
  /** Gradient accumulated since the last zeroGrad(), or null when there is none. */
  grad: Tensor | null;
}

/** A tensor in a checkpoint: plain data, independent of any backend instance. */
export interface PlainTensor {
  /** Dimensions. */
  shape: number[];
  /** The values, row-major. */
  data: Float32Array;
}
