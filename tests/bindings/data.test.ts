/**
 * bindings/train/idx.ts + data.ts: a synthetic IDX file built here (raw and gzip through
 * CompressionStream), strict format errors, the seeded Rng (xoshiro128** reference values, state
 * save/restore), shuffling, batching, normalisation, random crop with padding, flip, and a loader
 * that resumes bit-identically. Runs in every runtime; the real Fashion-MNIST slice is tests/node/.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { init, type Backend } from '../../bindings/index';
import { DataFormatError, DTypeError, OptionError, ShapeError } from '../../bindings/errors';
import { encodeIdx, gunzip, parseIdx, readIdx, type IdxArray } from '../../bindings/train/idx';
import { BatchLoader, imageDataset, makeBatch, Rng, takeFirst } from '../../bindings/train/data';
import { BACKENDS } from '../harness/backends';

const [N, H, W] = [10, 5, 4];
/** Pixel of image n at (r, c): distinct for every position, so any crop/flip is recognisable. */
const pixel = (n: number, r: number, c: number): number => (n * 20 + r * W + c + 1) % 256;

function syntheticImages(): IdxArray {
  const data = new Uint8Array(N * H * W);
  for (let n = 0; n < N; n++) for (let r = 0; r < H; r++) for (let c = 0; c < W; c++) data[(n * H + r) * W + c] = pixel(n, r, c);
  return { dtype: 'uint8', shape: [N, H, W], data };
}

const syntheticLabels = (): IdxArray => ({ dtype: 'uint8', shape: [N], data: Uint8Array.from({ length: N }, (_, i) => (i * 7) % 10) });

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

for (const backend of BACKENDS) {
  describe(`data pipeline [${backend}]`, () => {
    let m: Backend;
    beforeAll(async () => {
      m = await init({ backend });
    });

    it('parses a hand-written IDX header and its elements', () => {
      // ubyte, 2 dims: 2 × 3
      const bytes = Uint8Array.from([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 255]);
      const a = parseIdx(bytes);
      expect(a.dtype).toBe('uint8');
      expect(a.shape).toEqual([2, 3]);
      expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 255]);
      // int32 big-endian
      const b = parseIdx(Uint8Array.from([0, 0, 0x0c, 1, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xfe, 0, 0, 1, 0]));
      expect(Array.from(b.data)).toEqual([-2, 256]);
    });

    it('encodeIdx → readIdx round-trips every element type, raw and gzip', async () => {
      const arrays: IdxArray[] = [
        syntheticImages(),
        { dtype: 'int8', shape: [3], data: Int8Array.from([-128, 0, 127]) },
        { dtype: 'int16', shape: [2], data: Int16Array.from([-300, 300]) },
        { dtype: 'float32', shape: [1, 2], data: Float32Array.from([1.5, -0.25]) },
        { dtype: 'float64', shape: [2], data: Float64Array.from([Math.PI, -1e300]) },
      ];
      for (const a of arrays) {
        const raw = encodeIdx(a);
        for (const bytes of [raw, await gzip(raw)]) {
          const back = await readIdx(bytes);
          expect(back.dtype).toBe(a.dtype);
          expect(back.shape).toEqual(a.shape);
          expect(Array.from(back.data)).toEqual(Array.from(a.data));
        }
      }
    });

    it('strict: bad magic, unknown type, dims vs length, gzip passed raw, corrupt gzip → DataFormatError', async () => {
      const good = encodeIdx(syntheticLabels());
      expect(() => parseIdx(good.slice(0, 3))).toThrow(/too short/);
      const badMagic = good.slice(); badMagic[1] = 8;
      expect(() => parseIdx(badMagic)).toThrow(/bad magic number/);
      const badType = good.slice(); badType[2] = 0x0a;
      expect(() => parseIdx(badType)).toThrow(/unknown element type 0x0a/);
      expect(() => parseIdx(good.slice(0, good.length - 1))).toThrow(/need 18 bytes .* has 17/);
      expect(() => parseIdx(Uint8Array.from([...good, 0]))).toThrow(DataFormatError);
      expect(() => parseIdx(good.slice(0, 6))).toThrow(/header of a 1-dimensional IDX file needs 8 bytes/);
      const zipped = await gzip(good);
      expect(() => parseIdx(zipped)).toThrow(/this is gzip data/);
      const corrupt = await gzip(good);
      corrupt.fill(7, 12);
      await expect(readIdx(corrupt)).rejects.toThrow(DataFormatError);
      await expect(gunzip(Uint8Array.from([0x1f, 0x8b, 1, 2]))).rejects.toThrow(/not valid gzip/);
      expect(() => parseIdx('abc' as never)).toThrow(DTypeError);
    });

    it('imageDataset checks counts and types', () => {
      const d = imageDataset(syntheticImages(), syntheticLabels());
      expect([d.count, d.channels, d.height, d.width]).toEqual([N, 1, H, W]);
      expect(Array.from(d.labels.subarray(0, 3))).toEqual([0, 7, 4]);
      expect(() => imageDataset(syntheticImages(), { dtype: 'uint8', shape: [N - 1], data: new Uint8Array(N - 1) }))
        .toThrow(ShapeError);
      expect(() => imageDataset({ dtype: 'float32', shape: [1, 1, 1], data: new Float32Array(1) }, syntheticLabels()))
        .toThrow(/images must be uint8/);
      expect(takeFirst(d, 3).count).toBe(3);
    });

    it('Rng: xoshiro128** reference outputs, state save/restore, seeds differ', () => {
      const r = new Rng();
      r.setState([1, 2, 3, 4]);
      // reference values of xoshiro128** from state {1, 2, 3, 4} (Vigna's C code)
      expect([r.nextU32(), r.nextU32(), r.nextU32(), r.nextU32()]).toEqual([11520, 0, 5927040, 70819200]);
      const a = new Rng(42);
      a.nextU32();
      const saved = a.state();
      const first = [a.next(), a.int(10), a.nextU32()];
      const b = new Rng(7);
      b.setState(saved);
      expect([b.next(), b.int(10), b.nextU32()]).toEqual(first);
      expect(new Rng(1).nextU32()).not.toBe(new Rng(2).nextU32());
      expect(() => b.setState([0, 0, 0, 0])).toThrow(OptionError);
      expect(() => b.setState([1, 2, 3])).toThrow(OptionError);
      expect(() => new Rng(0.5)).toThrow(/seed must be an integer/);
      // int(n) stays in range and hits every value
      const seen = new Set<number>();
      for (let i = 0; i < 200; i++) seen.add(a.int(7));
      expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
      const p = new Rng(3).permutation(50);
      expect(Array.from(p).sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
      expect(Array.from(new Rng(3).permutation(50))).toEqual(Array.from(p));
    });

    it('makeBatch: gathers, normalises, and gives tensors the backend accepts', () => {
      const d = imageDataset(syntheticImages(), syntheticLabels());
      const batch = makeBatch(d, [3, 0], { mean: [0.5], std: [0.25] });
      expect(batch.shape).toEqual([2, 1, H, W]);
      expect(Array.from(batch.labels)).toEqual([d.labels[3], d.labels[0]]);
      expect(batch.x[0]).toBeCloseTo((pixel(3, 0, 0) / 255 - 0.5) / 0.25, 5);
      expect(batch.x[H * W + 5]).toBeCloseTo((pixel(0, 1, 1) / 255 - 0.5) / 0.25, 5);
      m.scope(() => {
        const t = m.tensor(batch.x, batch.shape);
        expect(t.shape).toEqual([2, 1, H, W]);
      });
      expect(() => makeBatch(d, [N])).toThrow(/indices\[0\] = 10 is not a sample index/);
      expect(() => makeBatch(d, [0], { mean: [0, 0] })).toThrow(/mean must be 1 finite number/);
      expect(() => makeBatch(d, [0], { std: [0] })).toThrow(/std must be > 0/);
      expect(() => makeBatch(d, [0], { augment: { flip: true } })).toThrow(/needs an Rng/);
    });

    it('random crop with padding and flip: every output is a shifted (and maybe mirrored) copy, zero outside', () => {
      const d = imageDataset(syntheticImages(), syntheticLabels());
      const rng = new Rng(5);
      const pad = 2;
      const seenShifts = new Set<string>();
      let flips = 0;
      for (let trial = 0; trial < 40; trial++) {
        const n = trial % N;
        const b = makeBatch(d, [n], { augment: { padding: pad, flip: true } }, rng);
        const got = Array.from(b.x, (v) => Math.round(v * 255));
        let match: string | null = null;
        for (let dy = -pad; dy <= pad && !match; dy++) {
          for (let dx = -pad; dx <= pad && !match; dx++) {
            for (const flip of [false, true]) {
              const want: number[] = [];
              for (let r = 0; r < H; r++) {
                for (let c = 0; c < W; c++) {
                  const sr = r + dy;
                  const sc = (flip ? W - 1 - c : c) + dx;
                  want.push(sr >= 0 && sr < H && sc >= 0 && sc < W ? pixel(n, sr, sc) : 0);
                }
              }
              if (want.every((v, i) => v === got[i])) { match = `${dy},${dx}`; if (flip) flips++; break; }
            }
          }
        }
        expect(match, `trial ${trial}: not a padded crop of image ${n}`).not.toBeNull();
        seenShifts.add(match as string);
      }
      expect(seenShifts.size).toBeGreaterThan(10);
      expect(flips).toBeGreaterThan(5);
      expect(flips).toBeLessThan(35);
    });

    it('BatchLoader: each epoch covers every sample once; a restored Rng state replays the same batches', () => {
      const d = imageDataset(syntheticImages(), syntheticLabels());
      const options = { batchSize: 4, seed: 9, augment: { padding: 1, flip: true } };
      const loader = new BatchLoader(d, options);
      expect(loader.batchesPerEpoch).toBe(3);
      const first = [...loader.epoch()];
      expect(first.map((b) => b.shape[0])).toEqual([4, 4, 2]);
      expect(first.flatMap((b) => Array.from(b.indices)).sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i));
      const saved = loader.rng.state();
      const second = [...loader.epoch()];
      expect(second.map((b) => Array.from(b.indices))).not.toEqual(first.map((b) => Array.from(b.indices)));
      const resumed = new BatchLoader(d, options);
      resumed.rng.setState(saved);
      const replay = [...resumed.epoch()];
      replay.forEach((b, i) => {
        expect(Array.from(b.indices)).toEqual(Array.from(second[i].indices));
        expect(Array.from(b.x)).toEqual(Array.from(second[i].x));
      });
      expect(new BatchLoader(d, { batchSize: 4, dropLast: true }).batchesPerEpoch).toBe(2);
      expect(() => new BatchLoader(d, { batchSize: 0 })).toThrow(/batchSize must be an integer >= 1/);
      expect(() => new BatchLoader(d, { batchSize: 2, augment: { padding: -1 } })).toThrow(/augment.padding/);
    });
  });
}
