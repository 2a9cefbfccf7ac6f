/**
 * Images in: RGBA (a browser ImageData) or RGB bytes → a normalised float32 NCHW tensor, as
 * torchvision's tensor transforms compute it. The exact convention matched (tests/fixtures/image.json,
 * made by tools/fixtures/image.py with torchvision 0.14):
 *
 *   x = pixels[..., :3] as float32 CHW / 255            (alpha is dropped, not composited)
 *   x = F.resize(x, resize, BILINEAR, antialias=False)   (int: shorter side, longer = int(s·long/short))
 *   x = F.center_crop(x, centerCrop)                    (top = round((H − h) / 2), Python's half-to-even)
 *   x = F.normalize(x, mean, std)                       ((x − mean) / std per channel)
 *
 * Bilinear is PyTorch's `interpolate(..., align_corners=False)`: source = (dst + ½)·in/out − ½, clamped
 * at 0, with PyTorch 1.13's CPU weights exactly; results agree with torchvision to ≤ 1e-6 after
 * normalising (most bit for bit; PyTorch's vectorised loops round sums in an order we cannot see). It is NOT PIL's antialiased resize, which
 * torchvision uses for PIL images: for a downscale of more than 2× the two differ noticeably (see
 * README). A crop larger than the image is an error here (torchvision would pad with zeros).
 */
import { DTypeError, OptionError, ShapeError } from '../errors';

/** Per-channel (R, G, B) mean of ImageNet, for values in [0, 1]; the default `mean`. */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
/** Per-channel (R, G, B) standard deviation of ImageNet, for values in [0, 1]; the default `std`. */
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

/** What a browser's ImageData has (or any object with the same three fields). */
export interface ImageDataLike {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** Row-major pixel bytes, 4 per pixel (RGBA) unless the caller says 3. */
  readonly data: Uint8ClampedArray | Uint8Array;
}

/** A size in pixels: one number (see the option using it) or [height, width]. */
export type SizeOption = number | readonly [number, number];

/** How to turn 8-bit pixels into a normalised float32 tensor: size, resize, crop, normalisation. */
export interface ImageOptions {
  /** Required for raw pixel arrays; must agree with an ImageData-like object's own. */
  width?: number;
  /** Required for raw pixel arrays; must agree with an ImageData-like object's own. */
  height?: number;
  /** 4 (RGBA, the default for ImageData-like objects) or 3 (RGB bytes). */
  channels?: 3 | 4;
  /** Bilinear resize first: a number resizes the shorter side to it (torchvision Resize(int)); [h, w] is exact. */
  resize?: SizeOption;
  /** Then a centred crop: a number for a square, or [h, w]. */
  centerCrop?: SizeOption;
  /** Per-channel mean and std of the [0, 1] values (default: ImageNet's). */
  mean?: readonly number[];
  /** Per-channel standard deviation the values are divided by after subtracting `mean` (default: ImageNet's). */
  std?: readonly number[];
}

/** A batch of images as plain data, ready for `m.tensor(data, shape)`. */
export interface ImageTensorData {
  /** [N, 3, H, W] (N = 1 for imageToTensorData). */
  shape: [number, number, number, number];
  /** The normalised RGB values, row-major (N, C, H, W). */
  data: Float32Array;
}

/** A larger output is surely a mistake in `resize` (2^28 float32 = 1 GiB). */
const MAX_OUTPUT_VALUES = 2 ** 28;
const OPTION_KEYS = ['width', 'height', 'channels', 'resize', 'centerCrop', 'mean', 'std'];
const BATCH_OPTION_KEYS = ['resize', 'centerCrop', 'mean', 'std'];

/** fround(p / 255) for every byte: the float32 division torch does. */
const UNIT = Float32Array.from({ length: 256 }, (_, p) => p / 255);

/** One image → { shape: [1, 3, H, W], data }. See the file comment for the exact computation. */
export function imageToTensorData(pixels: Uint8Array | Uint8ClampedArray | ImageDataLike, options: ImageOptions = {}): ImageTensorData {
  const fn = 'imageToTensorData';
  checkKeys(fn, options, OPTION_KEYS);
  const image = resolveImage(fn, 'pixels', pixels, options);
  const plan = planTransform(fn, image.height, image.width, options);
  const data = new Float32Array(3 * plan.outHeight * plan.outWidth);
  transformInto(image, plan, data, 0);
  return { shape: [1, 3, plan.outHeight, plan.outWidth], data };
}

/**
 * Several images → { shape: [N, 3, H, W], data }, each transformed as by imageToTensorData with the
 * shared options (each image brings its own width, height and channels). All must end the same size:
 * give `centerCrop` (or an exact `resize`) when their sizes differ.
 */
export function imagesToTensorData(
  images: readonly (ImageDataLike & { readonly channels?: 3 | 4 })[],
  options: Omit<ImageOptions, 'width' | 'height' | 'channels'> = {},
): ImageTensorData {
  const fn = 'imagesToTensorData';
  if (!Array.isArray(images) || images.length === 0) {
    throw new OptionError(`${fn}: images must be a non-empty array of { width, height, data }, got ${describe(images)}`);
  }
  checkKeys(fn, options, BATCH_OPTION_KEYS);
  const resolved = images.map((img, i) => {
    if (img === null || typeof img !== 'object') throw new DTypeError(`${fn}: images[${i}] must be { width, height, data }, got ${describe(img)}`);
    return resolveImage(fn, `images[${i}]`, img, { channels: img.channels });
  });
  const plans = resolved.map((img) => planTransform(fn, img.height, img.width, options));
  const first = plans[0]!;
  plans.forEach((p, i) => {
    if (p.outHeight !== first.outHeight || p.outWidth !== first.outWidth) {
      throw new ShapeError(`${fn}: images[${i}] becomes ${p.outHeight}×${p.outWidth} but images[0] becomes ` +
        `${first.outHeight}×${first.outWidth}; give centerCrop or resize: [h, w] so all match`);
    }
  });
  const perImage = 3 * first.outHeight * first.outWidth;
  if (perImage * images.length > MAX_OUTPUT_VALUES) {
    throw new OptionError(`${fn}: ${images.length} images of 3×${first.outHeight}×${first.outWidth} exceed ${MAX_OUTPUT_VALUES} values`);
  }
  const data = new Float32Array(perImage * images.length);
  resolved.forEach((img, i) => transformInto(img, plans[i]!, data, i * perImage));
  return { shape: [images.length, 3, first.outHeight, first.outWidth], data };
}

// ------------------------------------------------------------------ validation

interface ResolvedImage {
  width: number;
  height: number;
  channels: 3 | 4;
  data: Uint8Array | Uint8ClampedArray;
}

function resolveImage(fn: string, arg: string, pixels: unknown, options: ImageOptions): ResolvedImage {
  let data: unknown;
  let width = options.width;
  let height = options.height;
  let channels = options.channels;
  if (pixels instanceof Uint8Array || pixels instanceof Uint8ClampedArray) {
    data = pixels;
    if (width === undefined || height === undefined) {
      throw new OptionError(`${fn}: options.width and options.height are required with a raw pixel array`);
    }
    if (channels === undefined) throw new OptionError(`${fn}: options.channels (3 for RGB, 4 for RGBA) is required with a raw pixel array`);
  } else if (pixels !== null && typeof pixels === 'object' && 'data' in pixels) {
    const img = pixels as Partial<ImageDataLike>;
    data = img.data;
    for (const [key, own, given] of [['width', img.width, width], ['height', img.height, height]] as const) {
      if (given !== undefined && given !== own) {
        throw new OptionError(`${fn}: options.${key} is ${String(given)} but ${arg}.${key} is ${String(own)}`);
      }
    }
    width = img.width;
    height = img.height;
    channels ??= 4;
  } else {
    throw new DTypeError(`${fn}: ${arg} must be a Uint8Array, a Uint8ClampedArray or an ImageData-like { width, height, data }, got ${describe(pixels)}`);
  }
  if (!(data instanceof Uint8Array || data instanceof Uint8ClampedArray)) {
    throw new DTypeError(`${fn}: ${arg}.data must be a Uint8ClampedArray or a Uint8Array of bytes, got ${describe(data)}`);
  }
  const sizeOwner = pixels instanceof Uint8Array || pixels instanceof Uint8ClampedArray ? 'options' : arg;
  checkPositiveInteger(fn, `${sizeOwner}.width`, width);
  checkPositiveInteger(fn, `${sizeOwner}.height`, height);
  if (channels !== 3 && channels !== 4) {
    throw new OptionError(`${fn}: channels must be 3 (RGB) or 4 (RGBA), got ${String(channels)}`);
  }
  const expected = width! * height! * channels;
  if (data.length !== expected) {
    throw new ShapeError(`${fn}: ${arg} has ${data.length} bytes but ${width}×${height}×${channels} needs ${expected}`);
  }
  return { width: width!, height: height!, channels, data };
}

interface Plan {
  resizedHeight: number;
  resizedWidth: number;
  cropTop: number;
  cropLeft: number;
  outHeight: number;
  outWidth: number;
  mean: Float32Array;
  std: Float32Array;
}

function planTransform(fn: string, height: number, width: number, options: ImageOptions): Plan {
  let [resizedHeight, resizedWidth] = [height, width];
  if (options.resize !== undefined) {
    const size = checkSize(fn, 'resize', options.resize);
    if (typeof size === 'number') {
      // torchvision's _compute_resized_output_size: int(size * long / short), a double division truncated.
      const [short, long] = width <= height ? [width, height] : [height, width];
      const newLong = Math.trunc((size * long) / short);
      [resizedHeight, resizedWidth] = width <= height ? [newLong, size] : [size, newLong];
    } else {
      [resizedHeight, resizedWidth] = size;
    }
  }
  if (3 * resizedHeight * resizedWidth > MAX_OUTPUT_VALUES) {
    throw new OptionError(`${fn}: resize ${JSON.stringify(options.resize)} makes a ${resizedHeight}×${resizedWidth} image, ` +
      `more than ${MAX_OUTPUT_VALUES} values`);
  }
  let [outHeight, outWidth, cropTop, cropLeft] = [resizedHeight, resizedWidth, 0, 0];
  if (options.centerCrop !== undefined) {
    const crop = checkSize(fn, 'centerCrop', options.centerCrop);
    [outHeight, outWidth] = typeof crop === 'number' ? [crop, crop] : crop;
    if (outHeight > resizedHeight || outWidth > resizedWidth) {
      throw new OptionError(`${fn}: centerCrop ${outHeight}×${outWidth} is larger than the ` +
        `${options.resize === undefined ? '' : 'resized '}image ${resizedHeight}×${resizedWidth}`);
    }
    cropTop = roundHalfEven((resizedHeight - outHeight) / 2);
    cropLeft = roundHalfEven((resizedWidth - outWidth) / 2);
  }
  return {
    resizedHeight, resizedWidth, cropTop, cropLeft, outHeight, outWidth,
    mean: checkChannelValues(fn, 'mean', options.mean ?? IMAGENET_MEAN, false),
    std: checkChannelValues(fn, 'std', options.std ?? IMAGENET_STD, true),
  };
}

function checkSize(fn: string, name: string, value: unknown): number | [number, number] {
  if (typeof value === 'number') {
    checkPositiveInteger(fn, `options.${name}`, value);
    return value;
  }
  if (Array.isArray(value) && value.length === 2) {
    checkPositiveInteger(fn, `options.${name}[0]`, value[0]);
    checkPositiveInteger(fn, `options.${name}[1]`, value[1]);
    return [value[0] as number, value[1] as number];
  }
  throw new OptionError(`${fn}: options.${name} must be a positive integer or [height, width], got ${describe(value)}`);
}

function checkPositiveInteger(fn: string, name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new OptionError(`${fn}: ${name} must be a positive integer, got ${describe(value)}`);
  }
}

function checkChannelValues(fn: string, name: string, values: unknown, isStd: boolean): Float32Array {
  if (!Array.isArray(values) || values.length !== 3) {
    throw new OptionError(`${fn}: options.${name} must be 3 numbers (R, G, B), got ${describe(values)}`);
  }
  values.forEach((v, c) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || (isStd && v === 0)) {
      throw new OptionError(`${fn}: options.${name}[${c}] must be a finite${isStd ? ' non-zero' : ''} number, got ${describe(v)}`);
    }
  });
  // float32, as torchvision's F.normalize makes tensors of them in the image's dtype.
  return Float32Array.from(values as number[]);
}

function checkKeys(fn: string, options: unknown, allowed: readonly string[]): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new OptionError(`${fn}: options must be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) throw new OptionError(`${fn}: unknown option '${key}' (expected one of ${allowed.join(', ')})`);
  }
}

/** Python's round(): halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor;
  if (fraction !== 0.5) return Math.round(x);
  return floor % 2 === 0 ? floor : floor + 1;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (typeof v === 'number' ? String(v) : typeof v)).join(', ')}]`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (typeof value === 'object') return `an object (${(value as object).constructor?.name ?? 'no prototype'})`;
  return `${typeof value} ${String(value)}`;
}

// ------------------------------------------------------------------ computation

/** Source indices and float32 weights of PyTorch's align_corners=False linear interpolation, per output index. */
function linearTaps(inSize: number, outSize: number) {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const w0 = new Float32Array(outSize);
  const w1 = new Float32Array(outSize);
  const f = Math.fround;
  // The scale is a float32 quotient, but the source index is formed in double (probing PyTorch 1.13's
  // weights shows lambdas such as 0.99999994 that a float32 index in [2, 4) cannot produce).
  const scale = f(inSize / outSize);
  for (let d = 0; d < outSize; d++) {
    const source = Math.max(scale * (d + 0.5) - 0.5, 0);
    const lo = Math.trunc(source);
    i0[d] = lo;
    i1[d] = lo < inSize - 1 ? lo + 1 : lo;
    const lambda = f(Math.min(Math.max(source - lo, 0), 1));
    w1[d] = lambda;
    w0[d] = f(1 - lambda);
  }
  return { i0, i1, w0, w1 };
}

/** Writes image's 3×outHeight×outWidth result at out[offset…]. */
function transformInto(image: ResolvedImage, plan: Plan, out: Float32Array, offset: number): void {
  const { width, channels, data } = image;
  const { outHeight, outWidth, cropTop, cropLeft, mean, std } = plan;
  const plane = outHeight * outWidth;
  const f = Math.fround;
  const identity = plan.resizedHeight === image.height && plan.resizedWidth === image.width;
  const rows = identity ? null : linearTaps(image.height, plan.resizedHeight);
  const cols = identity ? null : linearTaps(image.width, plan.resizedWidth);
  for (let c = 0; c < 3; c++) {
    const m = mean[c]!;
    const s = std[c]!;
    const base = offset + c * plane;
    for (let y = 0; y < outHeight; y++) {
      const sy = cropTop + y;
      for (let x = 0; x < outWidth; x++) {
        const sx = cropLeft + x;
        let v: number;
        if (rows === null || cols === null) {
          v = UNIT[data[(sy * width + sx) * channels + c]!]!;
        } else {
          const top = rows.i0[sy]! * width, bottom = rows.i1[sy]! * width;
          const x0 = cols.i0[sx]!, x1 = cols.i1[sx]!, wx0 = cols.w0[sx]!, wx1 = cols.w1[sx]!;
          // Along the width in each source row, then between the rows, as PyTorch; summed in double and
          // rounded once, which reproduces its float32 results most often (≈85 % bit-equal, the rest 1 ulp).
          const upper = UNIT[data[(top + x0) * channels + c]!]! * wx0 + UNIT[data[(top + x1) * channels + c]!]! * wx1;
          const lower = UNIT[data[(bottom + x0) * channels + c]!]! * wx0 + UNIT[data[(bottom + x1) * channels + c]!]! * wx1;
          v = f(upper * rows.w0[sy]! + lower * rows.w1[sy]!);
        }
        out[base + y * outWidth + x] = f(v - m) / s;
      }
    }
  }
}
