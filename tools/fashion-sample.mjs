#!/usr/bin/env node
// Writes examples/data/fashion-mnist-sample-{images,labels}.idx.gz: the first N (default 32) images
// and labels of the Fashion-MNIST TEST set (Debian: apt-get install -y dataset-fashion-mnist), the few
// KB `npm run demo` classifies with the trained model. Uses the library's own IDX reader and writer.
//
//   node tools/fashion-sample.mjs [N] [DATA_DIR]
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { readIdx, encodeIdx } from '../dist/index.js';

const n = Number(process.argv[2] ?? 32);
const dir = process.argv[3] ?? '/usr/share/datasets/fashion-mnist';
const images = await readIdx(readFileSync(`${dir}/t10k-images-idx3-ubyte.gz`));
const labels = await readIdx(readFileSync(`${dir}/t10k-labels-idx1-ubyte.gz`));
const [, h, w] = images.shape;
const out = new URL('../examples/data/', import.meta.url).pathname;
const write = (name, array) => {
  const bytes = gzipSync(encodeIdx(array), { level: 9 });
  writeFileSync(`${out}${name}`, bytes);
  console.log(`wrote examples/data/${name} (${bytes.length} bytes)`);
};
write('fashion-mnist-sample-images.idx.gz', { dtype: 'uint8', shape: [n, h, w], data: images.data.slice(0, n * h * w) });
write('fashion-mnist-sample-labels.idx.gz', { dtype: 'uint8', shape: [n], data: labels.data.slice(0, n) });
