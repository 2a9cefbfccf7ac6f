/**
 * Checkpoints in the safetensors format, written and read by bindings/io/safetensors.ts (so a
 * checkpoint is an ordinary safetensors file: Python's safetensors and tools/convert_checkpoint.py
 * read it; a malformed file is a StateDictError naming what is wrong).
 *
 * saveCheckpoint() stores the model's tensors as `model.<name>`, the optimiser state as
 * `optim.<parameter>.<state name>` and everything scalar (optimiser type and hyper-parameters, step
 * counts, the data RNG's state, user fields) as JSON strings in the metadata, so a run resumed from it
 * continues bit-identically.
 */
import { DataFormatError } from '../errors';
import { readSafetensors, writeSafetensors } from '../io/safetensors';
import { describe } from '../ops/checks';
import type { OptimizerStateDict } from './optim';
import type { PlainTensor } from './types';

/** A tensor to write: any { shape, data } (a Tensor works; its data is copied). */
export interface TensorLike {
  /** Dimensions. */
  readonly shape: readonly number[];
  /** The values, row-major. */
  readonly data: Float32Array;
}

/** What saveCheckpoint stores: the model state and, optionally, the optimiser state, step, RNG state and user data. */
export interface Checkpoint {
  /** The model's state dict (parameters and buffers by name). */
  model: Record<string, TensorLike>;
  /** The optimiser's stateDict(), if any. */
  optimizer?: OptimizerStateDict;
  /** Training steps done (the schedules' argument). */
  step?: number;
  /** The data RNG's state (Rng.state()). */
  rng?: number[];
  /** Anything else JSON-serialisable (epoch, variant name, …). */
  extra?: unknown;
}

/** What loadCheckpoint returns: the fields that were saved, as plain data. */
export interface LoadedCheckpoint {
  /** The model's state dict (parameters and buffers by name), ready for loadStateDict. */
  model: Record<string, PlainTensor>;
  /** The optimiser state, when one was saved (for Optimizer.loadStateDict). */
  optimizer?: OptimizerStateDict;
  /** Training steps done, when saved. */
  step?: number;
  /** The data RNG's state, when saved (for Rng.setState). */
  rng?: number[];
  /** The user data, when saved. */
  extra?: unknown;
  /** The file's raw safetensors metadata (format tag and the JSON-encoded fields). */
  metadata: Record<string, string>;
}

const FORMAT = 'dcd-wasm-checkpoint/1';

/** A checkpoint as safetensors bytes (model + optimiser tensors; scalars in the metadata). */
export function saveCheckpoint(checkpoint: Checkpoint): Uint8Array {
  const tensors: Record<string, TensorLike> = {};
  for (const [name, t] of Object.entries(checkpoint.model)) tensors[`model.${name}`] = { shape: t.shape, data: t.data };
  const metadata: Record<string, string> = { format: FORMAT };
  const opt = checkpoint.optimizer;
  if (opt) {
    const paramSteps: Record<string, number> = {};
    for (const [param, s] of Object.entries(opt.state)) {
      paramSteps[param] = s.step;
      for (const [key, t] of Object.entries(s.tensors)) tensors[`optim.${param}.${key}`] = t;
    }
    metadata.optimizer = JSON.stringify({ type: opt.type, hyper: opt.hyper, steps: opt.steps, paramSteps });
  }
  if (checkpoint.step !== undefined) metadata.step = JSON.stringify(checkpoint.step);
  if (checkpoint.rng !== undefined) metadata.rng = JSON.stringify(checkpoint.rng);
  if (checkpoint.extra !== undefined) metadata.extra = JSON.stringify(checkpoint.extra);
  return writeSafetensors(tensors, metadata);
}

/** Reads saveCheckpoint() bytes back (DataFormatError when they are not such a checkpoint). */
export function loadCheckpoint(bytes: Uint8Array | ArrayBuffer): LoadedCheckpoint {
  const op = 'loadCheckpoint';
  const { tensors, metadata } = readSafetensors(bytes);
  if (metadata.format !== FORMAT) {
    throw new DataFormatError(`${op}: not a dcd-wasm checkpoint (metadata format ${describe(metadata.format)}, expected '${FORMAT}')`);
  }
  const parse = (key: string): unknown => {
    try {
      return JSON.parse(metadata[key]);
    } catch {
      throw new DataFormatError(`${op}: metadata '${key}' is not valid JSON`);
    }
  };
  const model: Record<string, PlainTensor> = {};
  for (const [name, t] of Object.entries(tensors)) if (name.startsWith('model.')) model[name.slice(6)] = t;
  const out: LoadedCheckpoint = { model, metadata };
  if (metadata.optimizer !== undefined) {
    const o = parse('optimizer') as { type: 'SGD' | 'AdamW'; hyper: Record<string, number | boolean>; steps: number; paramSteps: Record<string, number> };
    const state: OptimizerStateDict['state'] = {};
    for (const [param, step] of Object.entries(o.paramSteps ?? {})) {
      const prefix = `optim.${param}.`;
      const own: Record<string, PlainTensor> = {};
      // a parameter name may itself contain dots: match by the full prefix of a known parameter
      for (const [name, t] of Object.entries(tensors)) if (name.startsWith(prefix) && !name.slice(prefix.length).includes('.')) own[name.slice(prefix.length)] = t;
      state[param] = { step, tensors: own };
    }
    out.optimizer = { type: o.type, hyper: o.hyper, steps: o.steps, state };
  }
  if (metadata.step !== undefined) out.step = parse('step') as number;
  if (metadata.rng !== undefined) out.rng = parse('rng') as number[];
  if (metadata.extra !== undefined) out.extra = parse('extra');
  return out;
}
