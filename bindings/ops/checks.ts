/**
 * Small validators shared by every op, so both backends reject the same inputs with the same
 * messages. Each throws a typed error naming the op and the argument.
 */
import { DisposedTensorError, DTypeError, OptionError, OutOfMemoryError, ShapeError } from '../errors';
import { Tensor } from '../tensor';

export const fmtShape = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (typeof value === 'object') return `an object (${(value as object).constructor?.name ?? 'no prototype'})`;
  return `${typeof value} ${String(value)}`;
}

/** `value` must be a live Tensor created by `backend`; returns it typed. */
export function expectTensor(value: unknown, op: string, arg: string, backend: object): Tensor {
  if (!Tensor.isTensor(value)) {
    throw new DTypeError(`${op}: ${arg} must be a Tensor (float32), got ${describe(value)}`);
  }
  if (value.isDisposed) {
    throw new DisposedTensorError(`${op}: ${arg} (shape ${fmtShape(value.shape)}) was used after dispose()`);
  }
  if (value.storage.backend !== backend) {
    throw new DisposedTensorError(
      `${op}: ${arg} (shape ${fmtShape(value.shape)}) belongs to another module instance or backend`);
  }
  return value;
}

/** m.keep(...): every argument must be a live tensor of `backend`; each leaves every open scope. */
export function keepTensors<T extends Tensor>(tracker: { persist(t: Tensor): void }, backend: object, tensors: unknown[]): T {
  if (tensors.length === 0) throw new DTypeError('keep: expected at least one Tensor');
  tensors.forEach((t, i) => expectTensor(t, 'keep', `argument ${i}`, backend));
  for (const t of tensors as Tensor[]) tracker.persist(t);
  return tensors[0] as T;
}

/** `value` must be undefined or a plain object whose keys are all in `allowed`. */
export function expectOptions<T extends object>(value: unknown, op: string, allowed: readonly string[]): Partial<T> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new OptionError(`${op}: options must be an object, got ${describe(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw new OptionError(`${op}: unknown option '${key}' (expected one of: ${allowed.join(', ')})`);
    }
  }
  return value as Partial<T>;
}

/** An integer ≥ `min`, for options (OptionError). */
export function expectInt(value: unknown, op: string, name: string, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > 0x7fffffff) {
    throw new OptionError(`${op}: ${name} must be an integer >= ${min}, got ${describe(value)}`);
  }
  return value;
}

/** A boolean or undefined (→ `fallback`). */
export function expectBool(value: unknown, op: string, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new OptionError(`${op}: ${name} must be a boolean, got ${describe(value)}`);
  return value;
}

/** A number or [h, w] pair of integers ≥ `min`. */
export function expectPair(value: unknown, op: string, name: string, min: number, fallback: number): [number, number] {
  if (value === undefined) return [fallback, fallback];
  if (Array.isArray(value)) {
    if (value.length !== 2) {
      throw new OptionError(`${op}: ${name} must be a number or [h, w], got an array of length ${value.length}`);
    }
    return [expectInt(value[0], op, `${name}[0]`, min), expectInt(value[1], op, `${name}[1]`, min)];
  }
  return [expectInt(value, op, name, min), expectInt(value, op, name, min)];
}

/** The shape must have `rank` dimensions, each ≥ 1. `dims` names them for the message. */
export function expectRank(shape: readonly number[], op: string, arg: string, dims: readonly string[]): void {
  const want = `(${dims.join(', ')})`;
  if (shape.length !== dims.length) {
    throw new ShapeError(`${op}: ${arg} must have ${dims.length} dimensions ${want}, got shape ${fmtShape(shape)}`);
  }
  const empty = shape.findIndex((d) => d < 1);
  if (empty >= 0) {
    throw new ShapeError(`${op}: ${arg} dimension ${dims[empty]} must be >= 1, got shape ${fmtShape(shape)}`);
  }
}

/** Two shapes must be equal. */
export function expectShape(shape: readonly number[], want: readonly number[], op: string, arg: string, why = ''): void {
  if (shape.length !== want.length || shape.some((d, i) => d !== want[i])) {
    throw new ShapeError(`${op}: ${arg} must have shape ${fmtShape(want)}${why}, got ${fmtShape(shape)}`);
  }
}

/** Validates user data + shape for m.tensor(); returns the element count. */
export function checkTensorInput(data: unknown, shape: unknown, op = 'tensor'): number {
  const size = checkShape(shape, op);
  if (!(data instanceof Float32Array) && !Array.isArray(data)) {
    throw new DTypeError(`${op}: data must be a Float32Array or number[], got ${describe(data)}`);
  }
  if (Array.isArray(data)) {
    let bad = -1;
    for (let i = 0; i < data.length && bad < 0; i++) if (typeof data[i] !== 'number') bad = i; // holes too
    if (bad >= 0) throw new DTypeError(`${op}: data[${bad}] must be a number, got ${describe(data[bad])}`);
  }
  if (data.length !== size) {
    throw new ShapeError(
      `${op}: data has ${data.length} elements but shape ${fmtShape(shape as number[])} needs ${size}`);
  }
  return size;
}

/** Validates a shape (array of non-negative integers); returns the element count. */
export function checkShape(shape: unknown, op = 'tensor'): number {
  if (!Array.isArray(shape)) throw new ShapeError(`${op}: shape must be an array of integers, got ${describe(shape)}`);
  let size = 1;
  // An index loop, not forEach: forEach skips the holes of a sparse array ([1, 1, , 4]).
  for (let i = 0; i < shape.length; i++) {
    const d: unknown = shape[i];
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new ShapeError(`${op}: shape[${i}] must be a non-negative integer, got ${i in shape ? describe(d) : 'a hole'} in ${fmtShape(shape)}`);
    }
    size *= d;
  }
  expectFits(shape, op, 'tensor');
  return size;
}

/** Every backend holds at most 4 GiB (wasm32 memory), so both reject bigger tensors the same way. */
export const MAX_TENSOR_BYTES = 2 ** 32;

/** A tensor of this shape must fit in MAX_TENSOR_BYTES (OutOfMemoryError otherwise). */
export function expectFits(shape: readonly number[], op: string, what: string): void {
  const bytes = shape.reduce((a, b) => a * b, 4);
  if (bytes > MAX_TENSOR_BYTES) {
    throw new OutOfMemoryError(`${op}: ${what} of shape ${fmtShape(shape)} needs ${bytes} bytes, ` +
      'more than the 4 GiB of wasm32 memory');
  }
}

/**
 * Largest element count of a kernel intermediate (N·S, N·hidden, N·L·HW, …). Kernels size these in
 * i32 and add a handful of them into one usize workspace size: 2^27 floats (512 MiB) each keeps both
 * the counts and a sum of seven such blocks inside 32 bits, and is more than wasm32 memory can
 * hold alongside the tensors anyway.
 */
export const MAX_INTERMEDIATE_ELEMENTS = 2 ** 27;

/** OutOfMemoryError when an intermediate of `count` floats cannot be indexed by the kernels. */
export function expectIntermediateFits(op: string, what: string, count: number): void {
  if (count > MAX_INTERMEDIATE_ELEMENTS) {
    throw new OutOfMemoryError(`${op}: the intermediate ${what} would hold ${count} floats, more than the ` +
      `${MAX_INTERMEDIATE_ELEMENTS} a kernel can index (use a smaller batch)`);
  }
}

/** Options of a backward op with a bias: `bias` (true or the forward's bias tensor) and `needs`. */
export interface BackwardNeedsOptions {
  /** True, or the forward pass's bias tensor, when the forward had a bias; then db is computed by default. */
  bias?: boolean | Tensor | null;
  /** Which gradients to compute; default dx and dw, plus db when `bias` is set. */
  needs?: {
    /** Gradient with respect to the input x. */
    dx?: boolean;
    /** Gradient with respect to the weight. */
    dw?: boolean;
    /** Gradient with respect to the bias. */
    db?: boolean;
  };
}

/**
 * Which gradients a backward op computes (default dx and dw, and db when `bias` is set), plus the
 * bias tensor when one was passed, for the caller to check its shape. The option keys themselves
 * are checked by the caller.
 */
export function backwardNeeds(op: string, options: BackwardNeedsOptions | undefined):
  { dx: boolean; dw: boolean; db: boolean; biasTensor: Tensor | null } {
  const needs = expectOptions<{ dx: boolean; dw: boolean; db: boolean }>(options?.needs, `${op}: needs`, ['dx', 'dw', 'db']);
  const bias = options?.bias;
  if (bias !== undefined && bias !== null && typeof bias !== 'boolean' && typeof bias !== 'object') {
    throw new OptionError(`${op}: bias must be a boolean or a Tensor, got ${typeof bias}`);
  }
  return {
    dx: expectBool(needs.dx, op, 'needs.dx', true),
    dw: expectBool(needs.dw, op, 'needs.dw', true),
    db: expectBool(needs.db, op, 'needs.db', bias !== undefined && bias !== null && bias !== false),
    biasTensor: bias !== undefined && bias !== null && typeof bias !== 'boolean' ? bias : null,
  };
}
