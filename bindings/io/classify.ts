/**
 * Classes out: softmax over each row of a network's logits and the top-k classes per row. Plain JS
 * on { shape, data } (a Tensor works as is), no backend needed.
 *
 * Label lists are an argument, never shipped in the bundle (ImageNet's 1000 names are 20+ KB):
 * `parseLabels(text)` reads a one-name-per-line file, see examples/classify-image.mjs.
 */
import { OptionError, ShapeError } from '../errors';

/** Logits or probabilities: [N, C] rows (a Tensor, or plain { shape, data }), or one row as an array. */
export type Rows =
  | {
      /** [C] or [N, C], every dimension ≥ 1. */
      readonly shape: readonly number[];
      /** Row-major values, length N·C. */
      readonly data: Float32Array | readonly number[];
    }
  | Float32Array
  | readonly number[];

/** One entry of topK's result: a class and its score. */
export interface ClassScore {
  /** The class index in the row. */
  index: number;
  /** labels[index], or String(index) when no labels were given. */
  label: string;
  /** The row's value at `index` (a probability after softmax, or the raw logit). */
  probability: number;
}

/**
 * Softmax of each row (over the last dimension), computed stably in float64: exp(x − max) / Σ.
 * −Infinity logits give probability 0; NaN, +Infinity or an all −Infinity row are errors.
 */
export function softmax(logits: Rows): {
  /** [N, C] (one row, N = 1, when the input was one row). */
  shape: [number, number];
  /** The probabilities, row-major; each row sums to 1. */
  data: Float32Array;
} {
  const { rows, cols, data } = asRows('softmax', 'logits', logits);
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let max = -Infinity;
    for (let c = 0; c < cols; c++) {
      const v = Number(data[base + c]);
      if (Number.isNaN(v) || v === Infinity) {
        throw new OptionError(`softmax: logits[${r}][${c}] is ${v}; logits must be finite or -Infinity`);
      }
      if (v > max) max = v;
    }
    if (max === -Infinity) throw new OptionError(`softmax: every logit of row ${r} is -Infinity`);
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += Math.exp(Number(data[base + c]) - max);
    for (let c = 0; c < cols; c++) out[base + c] = Math.exp(Number(data[base + c]) - max) / sum;
  }
  return { shape: [rows, cols], data: out };
}

/**
 * The k highest scores of each row, highest first; equal scores keep the lower index first. Works on
 * probabilities (softmax output) or directly on logits (same order). `labels`, when given, must have
 * one name per class.
 */
export function topK(probs: Rows, k: number, labels?: readonly string[]): ClassScore[][] {
  const { rows, cols, data } = asRows('topK', 'probs', probs);
  if (!Number.isSafeInteger(k) || k < 1 || k > cols) {
    throw new OptionError(`topK: k must be an integer in [1, ${cols}] (the number of classes), got ${String(k)}`);
  }
  if (labels !== undefined) {
    if (!Array.isArray(labels) || labels.length !== cols || !labels.every((l) => typeof l === 'string')) {
      throw new OptionError(`topK: labels must be ${cols} strings, one per class, got ` +
        `${Array.isArray(labels) ? `${labels.length} entries` : typeof labels}`);
    }
  }
  const result: ClassScore[][] = [];
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) {
      if (Number.isNaN(Number(data[base + c]))) throw new OptionError(`topK: probs[${r}][${c}] is NaN`);
    }
    const order = Array.from({ length: cols }, (_, c) => c);
    order.sort((a, b) => Number(data[base + b]) - Number(data[base + a]) || a - b);
    result.push(order.slice(0, k).map((index) => ({
      index, label: labels?.[index] ?? String(index), probability: Number(data[base + index]),
    })));
  }
  return result;
}

/** The names of a labels file: one per line, surrounding spaces and a trailing empty line dropped. */
export function parseLabels(text: string): string[] {
  if (typeof text !== 'string') throw new OptionError(`parseLabels: text must be a string, got ${typeof text}`);
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const blank = lines.indexOf('');
  if (blank >= 0) throw new OptionError(`parseLabels: line ${blank + 1} is empty; every class needs a name`);
  return lines;
}

function asRows(fn: string, arg: string, value: Rows): { rows: number; cols: number; data: ArrayLike<number> } {
  if (value instanceof Float32Array || Array.isArray(value)) {
    const data = value as ArrayLike<number>;
    if (data.length === 0) throw new ShapeError(`${fn}: ${arg} is empty`);
    return { rows: 1, cols: data.length, data };
  }
  if (value === null || typeof value !== 'object' || !('shape' in value) || !('data' in value)) {
    throw new ShapeError(`${fn}: ${arg} must be [N, C] { shape, data } (e.g. a Tensor) or one row of numbers`);
  }
  const { shape, data } = value;
  if (!Array.isArray(shape) || (shape.length !== 1 && shape.length !== 2) ||
      !shape.every((n) => Number.isSafeInteger(n) && n > 0)) {
    throw new ShapeError(`${fn}: ${arg} must have shape [C] or [N, C] with N, C ≥ 1, got ${JSON.stringify(shape)}`);
  }
  const [rows, cols] = shape.length === 1 ? [1, shape[0] as number] : [shape[0] as number, shape[1] as number];
  if (!(data instanceof Float32Array) && !Array.isArray(data)) {
    throw new ShapeError(`${fn}: ${arg}.data must be a Float32Array or an array of numbers`);
  }
  if (data.length !== rows * cols) {
    throw new ShapeError(`${fn}: ${arg} has shape ${JSON.stringify(shape)} but ${data.length} values`);
  }
  return { rows, cols, data: data as ArrayLike<number> };
}
