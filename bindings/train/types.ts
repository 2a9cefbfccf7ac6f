/**
 * The contract between the module tree (bindings/nn/) and the training toolkit: every module lists
 * its trainable tensors as live entries. `grad` is the gradient accumulated over backward calls since
 * the last zeroGrad() (as PyTorch's `.grad`), null before any backward or after zeroGrad().
 */
import type { Tensor } from '../tensor';

export interface ParameterEntry {
  /** The PyTorch state_dict name, e.g. 'blocks.0.conv1.weight'. */
  readonly name: string;
  readonly value: Tensor;
  grad: Tensor | null;
}

/** A tensor in a checkpoint: plain data, independent of any backend instance. */
export interface PlainTensor {
  shape: number[];
  data: Float32Array;
}
