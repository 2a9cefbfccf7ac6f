#!/usr/bin/env node
// Classify an image with a PyTorch checkpoint: safetensors weights in, image in, top-5 classes out.
//
//   /usr/bin/python3 tools/convert_checkpoint.py resnet18_dcd.pth.tar resnet18_dcd.safetensors
//   npm run build && node examples/classify-image.mjs photo.ppm resnet18_dcd.safetensors \
//       [examples/data/imagenet_classes.txt] [resnet18_dcd]
//
// The image is a binary PPM (P6, RGB; e.g. `convert photo.jpg photo.ppm`), read by the library's strict
// decodePnm, because Node has no image decoder; in a browser pass canvas.getContext('2d').getImageData(...) to imageToTensorData directly.
// The labels file has one class name per line (examples/data/imagenet_classes.txt: ImageNet's 1000,
// in torchvision's order). In your own project, import from 'dcd-wasm' instead of '../dist/index.js'.
import { readFileSync } from 'node:fs';
import * as dcd from '../dist/index.js';

const [imagePath, weightsPath, labelsPath = new URL('data/imagenet_classes.txt', import.meta.url), model = 'resnet18_dcd'] =
  process.argv.slice(2);
if (!imagePath || !weightsPath) {
  console.error('usage: node examples/classify-image.mjs IMAGE.ppm WEIGHTS.safetensors [LABELS.txt] [MODEL]');
  process.exit(2);
}

const labels = dcd.parseLabels(readFileSync(labelsPath, 'utf8'));
const stateDict = dcd.stateDictFromSafetensors(readFileSync(weightsPath));
const image = dcd.decodePnm(readFileSync(imagePath)); // strict: a malformed file is a DataFormatError
// ImageNet evaluation: shorter side to 256, centre 224×224, ImageNet mean/std (the defaults).
const input = dcd.imageToTensorData(image.data, { width: image.width, height: image.height, channels: 3, resize: 256, centerCrop: 224 });

const build = dcd[model];
if (typeof build !== 'function') {
  console.error(`this build of dcd-wasm has no network constructor '${model}' (see bindings/models/)`);
  process.exit(1);
}
const m = await dcd.init();
const net = build(m, { numClasses: labels.length }).loadStateDict(stateDict, { strict: true }).eval();
const logits = m.scope(() => net.forward(m.tensor(input.data, input.shape)).toFloat32Array());
const [top5] = dcd.topK(dcd.softmax({ shape: [1, labels.length], data: logits }), 5, labels);
for (const { index, label, probability } of top5) {
  console.log(`${(100 * probability).toFixed(2).padStart(6)}%  ${String(index).padStart(4)}  ${label}`);
}
