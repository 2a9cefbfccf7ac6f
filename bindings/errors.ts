/**
 * Typed errors. Every invalid input is reported by one of these before any memory is touched, so a
 * failed call leaves the module usable. `code` is stable for programmatic checks; the message names
 * the argument and says what was expected and what was received.
 */
export class DcdError extends Error {
  /** Stable machine-readable code of the error class (`E_SHAPE`, `E_DTYPE`, `E_OPTION`, `E_OOM`, `E_DISPOSED`, `E_BACKEND`, `E_STATE_DICT`, `E_NON_FINITE`, `E_DATA_FORMAT`, `E_PLAN`). */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A tensor has the wrong rank or dimensions, or two tensors disagree. */
export class ShapeError extends DcdError {
  constructor(message: string) { super('E_SHAPE', message); }
}

/** Data of the wrong element type (only float32 is supported) or something that is not a tensor. */
export class DTypeError extends DcdError {
  constructor(message: string) { super('E_DTYPE', message); }
}

/** An option is missing, of the wrong type, out of range or inconsistent with the others. */
export class OptionError extends DcdError {
  constructor(message: string) { super('E_OPTION', message); }
}

/** The request does not fit in WebAssembly linear memory (4 GiB at most). */
export class OutOfMemoryError extends DcdError {
  constructor(message: string) { super('E_OOM', message); }
}

/** A tensor was used after dispose(), or belongs to another module instance. */
export class DisposedTensorError extends DcdError {
  constructor(message: string) { super('E_DISPOSED', message); }
}

/** WebAssembly is unavailable, the wasm could not be loaded, or a build lacks a feature. */
export class BackendError extends DcdError {
  constructor(message: string) { super('E_BACKEND', message); }
}

/** A state dict misses a tensor, has an extra one, or one has the wrong shape. */
export class StateDictError extends DcdError {
  constructor(message: string) { super('E_STATE_DICT', message); }
}

/** A value that must be finite is NaN or ±inf: a loss, a gradient (opt-in check), a learning rate. */
export class NonFiniteError extends DcdError {
  constructor(message: string) { super('E_NON_FINITE', message); }
}

/** Input data is malformed: a file that is not what it claims (IDX magic, dimensions vs length, gzip). */
export class DataFormatError extends DcdError {
  constructor(message: string) { super('E_DATA_FORMAT', message); }
}

/** A model cannot be compiled into an inference plan (bindings/plan): e.g. it is in training mode. */
export class PlanError extends DcdError {
  constructor(message: string) { super('E_PLAN', message); }
}
