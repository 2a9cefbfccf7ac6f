/**
 * Node only (reads a file): the real Fashion-MNIST test set from Debian's dataset-fashion-mnist,
 * gunzipped by readIdx through DecompressionStream; the first 100 images and labels against values
 * computed independently with Python's gzip + numpy. Skips when the file is not installed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readIdx } from '../../bindings/train/idx';
import { imageDataset, makeBatch, takeFirst } from '../../bindings/train/data';

const DIR = '/usr/share/datasets/fashion-mnist';
const IMAGES = `${DIR}/t10k-images-idx3-ubyte.gz`;
const LABELS = `${DIR}/t10k-labels-idx1-ubyte.gz`;
const present = existsSync(IMAGES) && existsSync(LABELS);

describe.skipIf(!present)('Fashion-MNIST t10k (first 100 images)', () => {
  it('reads the gzip IDX files and batches the first 100 images', async () => {
    const images = await readIdx(readFileSync(IMAGES));
    const labels = await readIdx(readFileSync(LABELS));
    expect(images.dtype).toBe('uint8');
    expect(images.shape).toEqual([10000, 28, 28]);
    expect(labels.shape).toEqual([10000]);
    const data = takeFirst(imageDataset(images, labels), 100);
    expect(data.pixels.reduce((a, b) => a + b, 0)).toBe(5854180);
    expect(Array.from(data.pixels.subarray(14 * 28 + 10, 14 * 28 + 20))).toEqual([0, 0, 98, 136, 110, 109, 110, 162, 135, 144]);
    expect(Array.from(data.labels.subarray(0, 20))).toEqual([9, 2, 1, 1, 6, 1, 4, 6, 5, 7, 4, 5, 7, 3, 4, 1, 2, 4, 8, 0]);
    const batch = makeBatch(data, Array.from({ length: 100 }, (_, i) => i), { mean: [0.2868], std: [0.3524] });
    expect(batch.shape).toEqual([100, 1, 28, 28]);
    const mean = batch.x.reduce((a, b) => a + b, 0) / batch.x.length;
    expect(Math.abs(mean)).toBeLessThan(0.1); // normalised with the test set's own statistics
  });
});
