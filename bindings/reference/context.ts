/**
 * JsContext: what every op-group file of the js backend gets (see index.ts) — the same role as the
 * wasm backend's WasmContext: validated inputs (ownership checked), and tracked output tensors.
 * A js tensor's storage is a plain Float32Array; "memory" is the bytes held by live tensors.
 */
import type { Tensor, TensorStorage } from '../tensor';
import { expectTensor } from '../ops/checks';
import { TensorTracker } from '../runtime/tracker';

class JsStorage implements TensorStorage {
  readonly backend: object;
  #data: Float32Array | null;
  readonly #onRelease: (bytes: number) => void;

  constructor(backend: object, data: Float32Array, onRelease: (bytes: number) => void) {
    this.backend = backend;
    this.#data = data;
    this.#onRelease = onRelease;
  }

  view(): Float32Array {
    // Tensor.storage throws DisposedTensorError before a released storage is ever reached.
    return this.#data as Float32Array;
  }

  release(): void {
    if (this.#data) this.#onRelease(this.#data.byteLength);
    this.#data = null;
  }
}

/** Each js backend's context by its token (the `backend` of its tensors' storage), for functions outside the Backend. */
const CONTEXTS = new WeakMap<object, JsContext>();

/** The js context a live tensor belongs to; null for a wasm tensor. */
export function jsContextOf(t: Tensor): JsContext | null {
  return CONTEXTS.get(t.storage.backend) ?? null;
}

export class JsContext {
  /** Identity token stored in every tensor of this backend instance. */
  readonly token: object = {};
  readonly tracker: TensorTracker;
  #liveBytes = 0;
  #peakBytes = 0;

  constructor(onLeak: ((report: string) => void) | null = null) {
    this.tracker = new TensorTracker(onLeak);
    CONTEXTS.set(this.token, this);
  }

  get liveBytes(): number {
    return this.#liveBytes;
  }

  /** The high-water mark of liveBytes since construction or resetPeak(). */
  get peakBytes(): number {
    return this.#peakBytes;
  }

  resetPeak(): void {
    this.#peakBytes = this.#liveBytes;
  }

  /** Checks `value` is a live tensor of this backend; returns its elements. */
  input(value: unknown, op: string, arg: string): { tensor: Tensor; data: Float32Array } {
    const tensor = expectTensor(value, op, arg, this.token);
    return { tensor, data: tensor.data };
  }

  /** A new tracked, zero-filled tensor (call only after every input has been validated). */
  zeros(shape: readonly number[]): Tensor {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    this.#liveBytes += data.byteLength;
    if (this.#liveBytes > this.#peakBytes) this.#peakBytes = this.#liveBytes;
    return this.tracker.adopt(new JsStorage(this.token, data, (bytes) => { this.#liveBytes -= bytes; }), shape);
  }
}
