/**
 * The data pipeline for image classification: a seeded RNG whose state can be saved and restored
 * (so a resumed run draws the same shuffles and augmentations), seeded shuffling, batching into
 * NCHW Float32Array + Int32Array labels, normalisation, random crop with zero padding and
 * horizontal flip (torchvision's RandomCrop(padding) / RandomHorizontalFlip on the raw pixels).
 *
 *   const train = imageDataset(await readIdx(imagesGz), await readIdx(labelsGz));
 *   const loader = new BatchLoader(train, { batchSize: 64, seed: 1, mean: [0.286], std: [0.353],
 *                                           augment: { padding: 2, flip: true } });
 *   for (const { x, labels, shape } of loader.epoch()) { const t = m.tensor(x, shape); … }
 */
import { DataFormatError, OptionError, ShapeError } from '../errors';
import { describe, expectOptions } from '../ops/checks';
import type { IdxArray } from './idx';

/**
 * xoshiro128** (Blackman & Vigna) on four uint32 words, seeded through splitmix32. Small, fast,
 * identical in every runtime, and its whole state is four numbers: state() / setState().
 */
export class Rng {
  #s = new Uint32Array(4);

  constructor(seed = 0) {
    if (typeof seed !== 'number' || !Number.isInteger(seed)) {
      throw new OptionError(`Rng: seed must be an integer, got ${describe(seed)}`);
    }
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      // splitmix32
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.#s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    if (this.#s.every((w) => w === 0)) this.#s[0] = 1; // the all-zero state is a fixed point
  }

  /** The generator's state: four uint32 (JSON-friendly). */
  state(): number[] {
    return Array.from(this.#s);
  }

  /** Restores a state() value; OptionError unless it is four uint32, not all zero. */
  setState(state: readonly number[]): void {
    if (!Array.isArray(state) || state.length !== 4 ||
      state.some((w) => typeof w !== 'number' || !Number.isInteger(w) || w < 0 || w > 0xffffffff) || state.every((w) => w === 0)) {
      throw new OptionError(`Rng.setState: state must be four uint32 values, not all zero, got ${describe(state)}`);
    }
    this.#s.set(state);
  }

  /** The next uint32. */
  nextU32(): number {
    const s = this.#s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 random bits. */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [0, n) without modulo bias (n ≤ 2^32). */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 4294967296) throw new OptionError(`Rng.int: n must be an integer in [1, 2^32], got ${describe(n)}`);
    const limit = 4294967296 - (4294967296 % n); // accept draws below the largest multiple of n
    for (;;) {
      const u = this.nextU32();
      if (u < limit) return u % n;
    }
  }

  /** Fisher–Yates shuffle in place (from the last element down, as random.shuffle). */
  shuffle<T extends {
    /** Number of items. */
    length: number;
    [i: number]: unknown;
  }>(items: T): T {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /** A random permutation of 0 … n−1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** Images (N, C, H, W) as raw uint8 pixels plus one class label each. */
export interface ImageDataset {
  /** Number of samples N. */
  readonly count: number;
  /** Channels C per image (1 for (N, H, W) IDX images). */
  readonly channels: number;
  /** Image height H in pixels. */
  readonly height: number;
  /** Image width W in pixels. */
  readonly width: number;
  /** N·C·H·W pixels, 0 … 255. */
  readonly pixels: Uint8Array;
  /** Class label of each sample (N). */
  readonly labels: Int32Array;
}

/**
 * A dataset from IDX arrays: images (N, H, W) or (N, C, H, W) of uint8, labels (N) of uint8/int32.
 * ShapeError when the counts disagree, DataFormatError for other element types.
 */
export function imageDataset(images: IdxArray, labels: IdxArray): ImageDataset {
  const op = 'imageDataset';
  if (images.dtype !== 'uint8') throw new DataFormatError(`${op}: images must be uint8 pixels, got ${images.dtype}`);
  if (images.shape.length !== 3 && images.shape.length !== 4) {
    throw new ShapeError(`${op}: images must have shape (N, H, W) or (N, C, H, W), got [${images.shape.join(', ')}]`);
  }
  if (labels.shape.length !== 1 || (labels.dtype !== 'uint8' && labels.dtype !== 'int32' && labels.dtype !== 'int8')) {
    throw new DataFormatError(`${op}: labels must be a 1-d uint8/int32 array, got ${labels.dtype} [${labels.shape.join(', ')}]`);
  }
  const [count] = images.shape;
  if (labels.shape[0] !== count) {
    throw new ShapeError(`${op}: ${count} images but ${labels.shape[0]} labels`);
  }
  const [channels, height, width] = images.shape.length === 4 ? images.shape.slice(1) : [1, ...images.shape.slice(1)];
  return { count, channels, height, width, pixels: images.data as Uint8Array, labels: Int32Array.from(labels.data) };
}

/** The first `count` samples (e.g. a small slice for tests). */
export function takeFirst(data: ImageDataset, count: number): ImageDataset {
  const n = Math.min(count, data.count);
  const per = data.channels * data.height * data.width;
  return { ...data, count: n, pixels: data.pixels.subarray(0, n * per), labels: data.labels.subarray(0, n) };
}

/** Random augmentation of makeBatch / BatchLoader (draws from the Rng; needs one). */
export interface AugmentOptions {
  /** Random crop back to H×W from the image zero-padded by this many pixels on each side (0 = none). */
  padding?: number;
  /** Mirror left–right with probability 1/2. */
  flip?: boolean;
}

/** How makeBatch normalises (and optionally augments) pixels. */
export interface BatchOptions {
  /** Per-channel mean and standard deviation on the 0 … 1 scale: x = (pixel/255 − mean) / std. Default 0 and 1. */
  mean?: readonly number[];
  /** Per-channel standard deviation on the 0 … 1 scale, each > 0 (default 1). */
  std?: readonly number[];
  /** Random crop / flip per sample (default none). */
  augment?: AugmentOptions;
}

/** One batch made by makeBatch / BatchLoader: normalised pixels, labels and which samples. */
export interface Batch {
  /** (B, C, H, W), normalised. */
  x: Float32Array;
  /** Class label of each sample (B). */
  labels: Int32Array;
  /** [B, C, H, W], the shape of `x`. */
  shape: [number, number, number, number];
  /** Which samples, in order. */
  indices: Int32Array;
}

interface ResolvedBatchOptions { mean: number[]; invStd: number[]; padding: number; flip: boolean }

function resolveBatchOptions(op: string, data: ImageDataset, options: BatchOptions | undefined): ResolvedBatchOptions {
  const o = expectOptions<BatchOptions>(options, op, ['mean', 'std', 'augment']);
  const perChannel = (v: unknown, name: string, fallback: number): number[] => {
    if (v === undefined) return new Array(data.channels).fill(fallback);
    if (!Array.isArray(v) || v.length !== data.channels || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
      throw new OptionError(`${op}: ${name} must be ${data.channels} finite number(s), one per channel, got ${describe(v)}`);
    }
    return v;
  };
  const mean = perChannel(o.mean, 'mean', 0);
  const std = perChannel(o.std, 'std', 1);
  if (std.some((s) => s <= 0)) throw new OptionError(`${op}: std must be > 0, got [${std.join(', ')}]`);
  const a = expectOptions<AugmentOptions>(o.augment, `${op}: augment`, ['padding', 'flip']);
  const padding = a.padding ?? 0;
  if (!Number.isInteger(padding) || padding < 0) throw new OptionError(`${op}: augment.padding must be an integer >= 0, got ${describe(padding)}`);
  if (a.flip !== undefined && typeof a.flip !== 'boolean') throw new OptionError(`${op}: augment.flip must be a boolean, got ${describe(a.flip)}`);
  return { mean, invStd: std.map((s) => 1 / s), padding, flip: a.flip === true };
}

/**
 * Gathers samples into one normalised NCHW batch. With augmentation, each sample draws from `rng`
 * in this order: crop row offset, crop column offset (when padding > 0), then flip (when flip).
 */
export function makeBatch(data: ImageDataset, indices: ArrayLike<number>, options?: BatchOptions, rng?: Rng): Batch {
  const op = 'makeBatch';
  const o = resolveBatchOptions(op, data, options);
  if ((o.padding > 0 || o.flip) && !rng) throw new OptionError(`${op}: augmentation needs an Rng`);
  const { channels: c, height: h, width: w } = data;
  const b = indices.length;
  const plane = h * w;
  const x = new Float32Array(b * c * plane);
  const labels = new Int32Array(b);
  const picked = new Int32Array(b);
  for (let s = 0; s < b; s++) {
    const idx = indices[s];
    if (!Number.isInteger(idx) || idx < 0 || idx >= data.count) {
      throw new OptionError(`${op}: indices[${s}] = ${idx} is not a sample index in [0, ${data.count - 1}]`);
    }
    picked[s] = idx;
    labels[s] = data.labels[idx];
    // offsets of the crop window in the padded image, minus the padding: source row = row + dy
    const dy = o.padding > 0 ? (rng as Rng).int(2 * o.padding + 1) - o.padding : 0;
    const dx = o.padding > 0 ? (rng as Rng).int(2 * o.padding + 1) - o.padding : 0;
    const flip = o.flip && (rng as Rng).next() < 0.5;
    for (let ch = 0; ch < c; ch++) {
      const src = data.pixels.subarray((idx * c + ch) * plane, (idx * c + ch + 1) * plane);
      const dst = (s * c + ch) * plane;
      const scale = o.invStd[ch] / 255;
      const shift = -o.mean[ch] * o.invStd[ch];
      for (let row = 0; row < h; row++) {
        const sr = row + dy;
        for (let col = 0; col < w; col++) {
          const sc = (flip ? w - 1 - col : col) + dx;
          const pixel = sr >= 0 && sr < h && sc >= 0 && sc < w ? src[sr * w + sc] : 0;
          x[dst + row * w + col] = pixel * scale + shift;
        }
      }
    }
  }
  return { x, labels, shape: [b, c, h, w], indices: picked };
}

/** Options of BatchLoader: batch size, seed, shuffling, plus makeBatch's normalisation and augmentation. */
export interface BatchLoaderOptions extends BatchOptions {
  /** Samples per batch, integer ≥ 1 (required). */
  batchSize: number;
  /** Seed of the loader's Rng (shuffles and augmentation). Default 0. */
  seed?: number;
  /** Shuffle every epoch (default true). */
  shuffle?: boolean;
  /** Drop the last incomplete batch (default false). */
  dropLast?: boolean;
}

/** Epochs of batches over a dataset, every random draw from one Rng (save rng.state() to resume). */
export class BatchLoader {
  /** The dataset batches are drawn from. */
  readonly data: ImageDataset;
  /** Samples per batch. */
  readonly batchSize: number;
  /** The loader's random generator (seeded by options.seed); save rng.state() to resume. */
  readonly rng: Rng;
  /** Whether each epoch visits the samples in a new random order. */
  readonly shuffle: boolean;
  /** Whether the last incomplete batch of an epoch is dropped. */
  readonly dropLast: boolean;
  readonly #batchOptions: BatchOptions;

  constructor(data: ImageDataset, options: BatchLoaderOptions) {
    const op = 'BatchLoader';
    const o = expectOptions<BatchLoaderOptions>(options, op, ['batchSize', 'seed', 'shuffle', 'dropLast', 'mean', 'std', 'augment']);
    if (!Number.isInteger(o.batchSize) || (o.batchSize as number) < 1) {
      throw new OptionError(`${op}: batchSize must be an integer >= 1, got ${describe(o.batchSize)}`);
    }
    this.data = data;
    this.batchSize = o.batchSize as number;
    this.rng = new Rng(o.seed ?? 0);
    this.shuffle = o.shuffle ?? true;
    this.dropLast = o.dropLast ?? false;
    this.#batchOptions = { mean: o.mean, std: o.std, augment: o.augment };
    resolveBatchOptions(op, data, this.#batchOptions); // validate now, not at the first batch
  }

  /** Batches per epoch. */
  get batchesPerEpoch(): number {
    return this.dropLast ? Math.floor(this.data.count / this.batchSize) : Math.ceil(this.data.count / this.batchSize);
  }

  /** One epoch: the permutation is drawn when the epoch starts, each batch's augmentation as it is made. */
  *epoch(): Generator<Batch> {
    const order = this.shuffle ? this.rng.permutation(this.data.count) : Int32Array.from({ length: this.data.count }, (_, i) => i);
    for (let b = 0; b < this.batchesPerEpoch; b++) {
      const indices = order.subarray(b * this.batchSize, Math.min((b + 1) * this.batchSize, this.data.count));
      yield makeBatch(this.data, indices, this.#batchOptions, this.rng);
    }
  }
}
