/**
 * Checkpoints in the safetensors format (https://github.com/huggingface/safetensors): an 8-byte
 * little-endian header length, a JSON header (each tensor's dtype, shape and byte range, plus a
 * string→string `__metadata__`), then the raw little-endian data. Readable by Python's safetensors
 * and by anything else that reads the format.
 *
 * saveCheckpoint() stores the model's tensors as `model.<name>`, the optimiser state as
 * `optim.<parameter>.<state name>` and everything scalar (optimiser type and hyper-parameters, step
 * counts, the data RNG's state, user fields) as JSON strings in the metadata, so a run resumed from it
 * continues bit-identically. Only float32 tensors are written; reading is strict (DataFormatError).
 */
import { DataFormatError, DTypeError } from '../errors';
import { describe } from '../ops/checks';
import type { OptimizerStateDict } from './optim';
import type { PlainTensor } from './types';

export interface SafetensorsContent {
  tensors: Record<string, PlainTensor>;
  metadata: Record<string, string>;
}

/** A tensor to write: any { shape, data } (a Tensor works; its data is copied). */
export interface TensorLike {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

const littleEndianHost = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Encodes float32 tensors (in the given key order) and string metadata as safetensors bytes. */
export function encodeSafetensors(tensors: Record<string, TensorLike>, metadata: Record<string, string> = {}): Uint8Array {
  const op = 'encodeSafetensors';
  const header: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') throw new DTypeError(`${op}: metadata '${k}' must be a string, got ${describe(v)}`);
  }
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  const entries = Object.entries(tensors);
  for (const [name, t] of entries) {
    if (name === '__metadata__') throw new DTypeError(`${op}: '__metadata__' is reserved and cannot name a tensor`);
    if (!(t?.data instanceof Float32Array)) throw new DTypeError(`${op}: tensor '${name}' must have Float32Array data, got ${describe(t?.data)}`);
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) {
      throw new DTypeError(`${op}: tensor '${name}' has shape [${t.shape.join(', ')}] but ${t.data.length} values`);
    }
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + 4 * count] };
    offset += 4 * count;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + new TextEncoder().encode(json).length) % 8)) % 8); // data starts 8-byte aligned
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const [, t] of entries) {
    if (littleEndianHost) {
      out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    } else {
      for (let i = 0; i < t.data.length; i++) view.setFloat32(at + 4 * i, t.data[i], true);
    }
    at += t.data.byteLength;
  }
  return out;
}

/** Decodes safetensors bytes holding F32 tensors; DataFormatError for anything malformed or another dtype. */
export function decodeSafetensors(input: Uint8Array | ArrayBuffer): SafetensorsContent {
  const op = 'decodeSafetensors';
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  if (bytes.length < 8) throw new DataFormatError(`${op}: ${bytes.length} bytes is too short (8-byte header length first)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(bytes.length - 8)) {
    throw new DataFormatError(`${op}: the header length ${headerLength} exceeds the ${bytes.length - 8} bytes after it`);
  }
  const dataStart = 8 + Number(headerLength);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart)));
  } catch (e) {
    throw new DataFormatError(`${op}: the header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) throw new DataFormatError(`${op}: the header must be a JSON object`);
  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const tensors: Record<string, PlainTensor> = {};
  const ranges: [number, number, string][] = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      for (const [k, v] of Object.entries((raw ?? {}) as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new DataFormatError(`${op}: metadata '${k}' must be a string`);
        metadata[k] = v;
      }
      continue;
    }
    const info = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (info?.dtype !== 'F32') throw new DataFormatError(`${op}: tensor '${name}' has dtype ${JSON.stringify(info?.dtype) ?? 'none'}; only F32 is supported`);
    const shape = info.shape;
    if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new DataFormatError(`${op}: tensor '${name}' has an invalid shape ${describe(shape)}`);
    }
    const offsets = info.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0)) {
      throw new DataFormatError(`${op}: tensor '${name}' has invalid data_offsets ${describe(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end - begin !== 4 * count || end > dataLength) {
      throw new DataFormatError(`${op}: tensor '${name}' of shape [${shape.join(', ')}] needs ${4 * count} bytes; ` +
        `data_offsets [${begin}, ${end}] of a ${dataLength}-byte buffer`);
    }
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = view.getFloat32(dataStart + begin + 4 * i, true);
    tensors[name] = { shape: shape as number[], data };
    ranges.push([begin, end, name]);
  }
  // the format requires the buffer to be covered exactly, without overlaps or holes
  ranges.sort((a, b) => a[0] - b[0]);
  let expected = 0;
  for (const [begin, end, name] of ranges) {
    if (begin !== expected) throw new DataFormatError(`${op}: tensor '${name}' starts at byte ${begin}, expected ${expected} (overlap or hole)`);
    expected = end;
  }
  if (expected !== dataLength) throw new DataFormatError(`${op}: the tensors cover ${expected} of the ${dataLength} data bytes`);
  return { tensors, metadata };
}

export interface Checkpoint {
  /** The model's state dict (parameters and buffers by name). */
  model: Record<string, TensorLike>;
  optimizer?: OptimizerStateDict;
  /** Training steps done (the schedules' argument). */
  step?: number;
  /** The data RNG's state (Rng.state()). */
  rng?: number[];
  /** Anything else JSON-serialisable (epoch, variant name, …). */
  extra?: unknown;
}

export interface LoadedCheckpoint {
  model: Record<string, PlainTensor>;
  optimizer?: OptimizerStateDict;
  step?: number;
  rng?: number[];
  extra?: unknown;
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
  return encodeSafetensors(tensors, metadata);
}

/** Reads saveCheckpoint() bytes back (DataFormatError when they are not such a checkpoint). */
export function loadCheckpoint(bytes: Uint8Array | ArrayBuffer): LoadedCheckpoint {
  const op = 'loadCheckpoint';
  const { tensors, metadata } = decodeSafetensors(bytes);
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
