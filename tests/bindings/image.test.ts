/**
 * Images in (bindings/io/image.ts) against torchvision 0.14's tensor transforms (tests/fixtures/image.json,
 * tools/fixtures/image.py): resize (bilinear, antialias=False) + center crop + normalise on small
 * synthetic RGB and RGBA images; ImageData-like input; batches; and every bad input's typed error.
 * Classes out (bindings/io/classify.ts): softmax, topK with ties, labels.
 */
import { describe, expect, it } from 'vitest';
import imageJson from '../fixtures/image.json' with { type: 'json' };
import { decodeTensor, type TensorEntry } from '../fixtures/decode';
import {
  DTypeError, imagesToTensorData, imageToTensorData, IMAGENET_MEAN, IMAGENET_STD, OptionError, parseLabels,
  ShapeError, softmax, topK, type DcdError, type ImageOptions,
} from '../../bindings/index';
import { decodeBase64 } from '../../bindings/runtime/base64';
import { maxAbsDiff } from '../harness/numeric';

interface ImageCase {
  name: string;
  options: ImageOptions & { width: number; height: number; channels: 3 | 4 };
  pixels: string;
  tensors: { y: TensorEntry };
}
const cases = (imageJson as unknown as { cases: ImageCase[] }).cases;

/**
 * Our weights are PyTorch's exactly; its CPU loops round the four products' sums in an order we cannot
 * reproduce everywhere, so ~13 % of values differ by an ulp or two of the [0, 1] value, ×1/std ≈ 4.4
 * after normalising: measured ≤ 4.8e-7. A wrong tap or weight is ≥ 1e-3.
 */
const VS_TORCHVISION = 2e-6;

function expectTypedError(call: () => unknown, type: new (message: string) => DcdError, message: RegExp): void {
  let error: unknown;
  try {
    call();
  } catch (e) {
    error = e;
  }
  expect(error, `expected a ${type.name}`).toBeInstanceOf(type);
  expect((error as Error).message).toMatch(message);
}

describe('imageToTensorData vs torchvision', () => {
  for (const c of cases) {
    it(c.name, () => {
      const want = decodeTensor(c.tensors.y);
      const got = imageToTensorData(decodeBase64(c.pixels), c.options);
      expect(got.shape).toEqual(want.shape);
      expect(maxAbsDiff(got.data, want.data)).toBeLessThanOrEqual(VS_TORCHVISION);
    });
  }

  it('an ImageData-like object (Uint8ClampedArray, RGBA) gives the same result as its bytes', () => {
    for (const c of cases.filter((k) => k.options.channels === 4)) {
      const { width, height, channels: _, ...rest } = c.options;
      const imageData = { width, height, data: new Uint8ClampedArray(decodeBase64(c.pixels)) };
      const got = imageToTensorData(imageData, rest);
      expect(Array.from(got.data)).toEqual(Array.from(imageToTensorData(decodeBase64(c.pixels), c.options).data));
    }
  });

  it('alpha is ignored: RGBA and the same RGB bytes give the same tensor', () => {
    const c = cases[0]!;
    const rgb = decodeBase64(c.pixels);
    const rgba = new Uint8Array((rgb.length / 3) * 4);
    for (let p = 0; p < rgb.length / 3; p++) {
      rgba.set(rgb.subarray(3 * p, 3 * p + 3), 4 * p);
      rgba[4 * p + 3] = p % 256;
    }
    const a = imageToTensorData(rgb, c.options);
    const b = imageToTensorData(rgba, { ...c.options, channels: 4 });
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
  });
});

describe('imageToTensorData: sizes and values', () => {
  const constant = (width: number, height: number, value: number) =>
    ({ width, height, data: new Uint8ClampedArray(width * height * 4).fill(value) });

  it('Resize(256) + CenterCrop(224), the ImageNet evaluation recipe, on 640×480 and 375×500', () => {
    const landscape = imageToTensorData(constant(640, 480, 128), { resize: 256, centerCrop: 224 });
    expect(landscape.shape).toEqual([1, 3, 224, 224]);
    // torchvision: shorter side 256, longer int(256 · 640 / 480) = 341.
    expect(imageToTensorData(constant(640, 480, 0), { resize: 256 }).shape).toEqual([1, 3, 256, 341]);
    expect(imageToTensorData(constant(375, 500, 0), { resize: 256 }).shape).toEqual([1, 3, 341, 256]);
    for (let c = 0; c < 3; c++) {
      const want = (128 / 255 - IMAGENET_MEAN[c]!) / IMAGENET_STD[c]!;
      const plane = landscape.data.subarray(c * 224 * 224, (c + 1) * 224 * 224);
      expect(maxAbsDiff(plane, new Float32Array(plane.length).fill(want))).toBeLessThan(1e-5);
    }
  });

  it('no resize and no crop: normalised pixels in NCHW order', () => {
    const pixels = new Uint8Array([0, 51, 102, 153, 204, 255]); // 2×1 RGB
    const y = imageToTensorData(pixels, { width: 2, height: 1, channels: 3, mean: [0, 0, 0], std: [1, 1, 1] });
    expect(y.shape).toEqual([1, 3, 1, 2]);
    expect(Array.from(y.data)).toEqual(Array.from(new Float32Array([0, 0.6, 0.2, 0.8, 0.4, 1])));
  });
});

describe('imagesToTensorData', () => {
  it('stacks images of different sizes that end the same size', () => {
    const a = cases.find((c) => c.name.startsWith('tall RGBA'))!;
    const b = cases.find((c) => c.name.startsWith('shorter side 8'))!;
    const options = { resize: 9, centerCrop: 7 };
    const imageA = { width: a.options.width, height: a.options.height, data: decodeBase64(a.pixels) };
    const imageB = { width: b.options.width, height: b.options.height, channels: 3 as const, data: decodeBase64(b.pixels) };
    const batch = imagesToTensorData([imageA, imageB], options);
    expect(batch.shape).toEqual([2, 3, 7, 7]);
    const one = imageToTensorData(imageA, options).data;
    const two = imageToTensorData(imageB.data, { ...options, width: imageB.width, height: imageB.height, channels: 3 }).data;
    expect(Array.from(batch.data)).toEqual([...one, ...two]);
  });

  it('refuses images that end different sizes, naming the image', () => {
    const small = { width: 4, height: 4, data: new Uint8ClampedArray(64) };
    const large = { width: 6, height: 4, data: new Uint8ClampedArray(96) };
    expectTypedError(() => imagesToTensorData([small, large]), ShapeError, /images\[1\] becomes 4×6 but images\[0\] becomes 4×4/);
    expectTypedError(() => imagesToTensorData([]), OptionError, /non-empty array/);
    expectTypedError(() => imagesToTensorData([small, null as never]), DTypeError, /images\[1\]/);
    expectTypedError(() => imagesToTensorData([small], { width: 4 } as never), OptionError, /unknown option 'width'/);
    expectTypedError(() => imagesToTensorData([{ ...large, data: new Uint8ClampedArray(95) }]), ShapeError, /images\[0\] has 95 bytes/);
  });
});

describe('imageToTensorData: bad input', () => {
  const rgb = new Uint8Array(4 * 3 * 3); // 4×3 RGB
  const base = { width: 4, height: 3, channels: 3 as const };
  const table: [string, () => unknown, new (m: string) => DcdError, RegExp][] = [
    ['a string', () => imageToTensorData('pixels' as never, base), DTypeError, /pixels must be a Uint8Array/],
    ['Float32Array pixels', () => imageToTensorData(new Float32Array(36) as never, base), DTypeError, /got a Float32Array/],
    ['ImageData-like with number[] data', () => imageToTensorData({ width: 1, height: 1, data: [1, 2, 3, 4] } as never), DTypeError, /pixels\.data must be/],
    ['raw bytes without width', () => imageToTensorData(rgb, { height: 3, channels: 3 }), OptionError, /width and options\.height are required/],
    ['raw bytes without channels', () => imageToTensorData(rgb, { width: 4, height: 3 }), OptionError, /channels .* is required/],
    ['buffer too short', () => imageToTensorData(rgb.subarray(1), base), ShapeError, /pixels has 35 bytes but 4×3×3 needs 36/],
    ['buffer of RGBA size given channels 3', () => imageToTensorData(new Uint8Array(48), base), ShapeError, /48 bytes/],
    ['width 0', () => imageToTensorData(rgb, { ...base, width: 0 }), OptionError, /options\.width must be a positive integer, got number 0/],
    ['height 2.5', () => imageToTensorData(rgb, { ...base, height: 2.5 }), OptionError, /options\.height must be a positive integer/],
    ['channels 1', () => imageToTensorData(rgb, { ...base, channels: 1 as never }), OptionError, /channels must be 3 \(RGB\) or 4/],
    ['ImageData-like with width "4"', () => imageToTensorData({ width: '4', height: 1, data: new Uint8ClampedArray(16) } as never), OptionError, /pixels\.width must be a positive integer, got string 4/],
    ['ImageData width disagreeing with options', () => imageToTensorData({ width: 1, height: 1, data: new Uint8ClampedArray(4) }, { width: 2 }), OptionError, /options\.width is 2 but pixels\.width is 1/],
    ['resize 0', () => imageToTensorData(rgb, { ...base, resize: 0 }), OptionError, /options\.resize must be a positive integer/],
    ['resize [3]', () => imageToTensorData(rgb, { ...base, resize: [3] as never }), OptionError, /options\.resize must be a positive integer or \[height, width\]/],
    ['resize [2, -1]', () => imageToTensorData(rgb, { ...base, resize: [2, -1] }), OptionError, /options\.resize\[1\]/],
    ['resize to a billion pixels', () => imageToTensorData(rgb, { ...base, resize: 40000 }), OptionError, /resize 40000 makes a 40000×53333 image/],
    ['crop larger than the image', () => imageToTensorData(rgb, { ...base, centerCrop: 4 }), OptionError, /centerCrop 4×4 is larger than the image 3×4/],
    ['crop larger than the resized image', () => imageToTensorData(rgb, { ...base, resize: 2, centerCrop: [2, 3] }), OptionError, /centerCrop 2×3 is larger than the resized image 2×2/],
    ['crop "center"', () => imageToTensorData(rgb, { ...base, centerCrop: 'center' as never }), OptionError, /centerCrop/],
    ['std with a zero', () => imageToTensorData(rgb, { ...base, std: [0.2, 0, 0.2] }), OptionError, /options\.std\[1\] must be a finite non-zero number/],
    ['std with NaN', () => imageToTensorData(rgb, { ...base, std: [0.2, 0.2, NaN] }), OptionError, /options\.std\[2\]/],
    ['std of Infinity', () => imageToTensorData(rgb, { ...base, std: [Infinity, 1, 1] }), OptionError, /options\.std\[0\]/],
    ['mean of 4 values', () => imageToTensorData(rgb, { ...base, mean: [0, 0, 0, 0] }), OptionError, /options\.mean must be 3 numbers/],
    ['unknown option', () => imageToTensorData(rgb, { ...base, normalize: true } as never), OptionError, /unknown option 'normalize'/],
    ['options not an object', () => imageToTensorData(rgb, 3 as never), OptionError, /options must be an object/],
  ];
  for (const [what, call, type, message] of table) it(what, () => expectTypedError(call, type, message));
});

describe('softmax and topK', () => {
  it('softmax rows sum to 1 and match exp(x)/Σexp(x), also for huge logits', () => {
    const p = softmax({ shape: [2, 3], data: new Float32Array([1, 2, 3, 1000, 1001, 1002]) });
    expect(p.shape).toEqual([2, 3]);
    const e = [Math.exp(1), Math.exp(2), Math.exp(3)];
    const s = e[0]! + e[1]! + e[2]!;
    const want = e.map((v) => v / s);
    expect(maxAbsDiff(p.data, [...want, ...want])).toBeLessThan(1e-7);
  });

  it('softmax: −Infinity gives 0; NaN, +Infinity and an all −Infinity row are errors', () => {
    expect(Array.from(softmax([0, -Infinity]).data)).toEqual([1, 0]);
    expectTypedError(() => softmax([0, NaN]), OptionError, /logits\[0\]\[1\] is NaN/);
    expectTypedError(() => softmax({ shape: [2, 1], data: [0, Infinity] }), OptionError, /logits\[1\]\[0\] is Infinity/);
    expectTypedError(() => softmax([-Infinity, -Infinity]), OptionError, /every logit of row 0/);
    expectTypedError(() => softmax({ shape: [2, 2], data: [1, 2, 3] }), ShapeError, /shape \[2,2\] but 3 values/);
    expectTypedError(() => softmax({ shape: [1, 2, 2], data: [1, 2, 3, 4] }), ShapeError, /shape \[C\] or \[N, C\]/);
    expectTypedError(() => softmax([]), ShapeError, /logits is empty/);
  });

  it('topK: highest first, ties by lower index, labels per index', () => {
    const probs = { shape: [2, 4], data: new Float32Array([0.1, 0.4, 0.4, 0.1, 0.7, 0.1, 0.1, 0.1]) };
    const labels = ['cat', 'dog', 'fox', 'owl'];
    expect(topK(probs, 3, labels)).toEqual([
      [{ index: 1, label: 'dog', probability: probs.data[1] }, { index: 2, label: 'fox', probability: probs.data[2] },
        { index: 0, label: 'cat', probability: probs.data[0] }],
      [{ index: 0, label: 'cat', probability: probs.data[4] }, { index: 1, label: 'dog', probability: probs.data[5] },
        { index: 2, label: 'fox', probability: probs.data[6] }],
    ]);
    expect(topK([3, -Infinity, 5], 2)).toEqual([[{ index: 2, label: '2', probability: 5 }, { index: 0, label: '0', probability: 3 }]]);
  });

  it('topK: bad k or labels', () => {
    expectTypedError(() => topK([0.5, 0.5], 3), OptionError, /k must be an integer in \[1, 2\]/);
    expectTypedError(() => topK([0.5, 0.5], 0), OptionError, /k must be/);
    expectTypedError(() => topK([0.5, 0.5], 1, ['a']), OptionError, /labels must be 2 strings, one per class, got 1 entries/);
    expectTypedError(() => topK([0.5, NaN], 1), OptionError, /probs\[0\]\[1\] is NaN/);
  });

  it('parseLabels: one name per line, CRLF and a trailing newline accepted, blank lines refused', () => {
    expect(parseLabels('tench\r\ngoldfish\ngreat white shark\n')).toEqual(['tench', 'goldfish', 'great white shark']);
    expectTypedError(() => parseLabels('a\n\nb'), OptionError, /line 2 is empty/);
  });
});
