/**
 * `npm run test:demo`: opens the browser demo (examples/browser/index.html) in Debian's headless
 * Chromium via playwright-core, waits for its run on the default image, and checks that every number
 * it shows is finite, that every backend gives the same top-1 (and the DCD layer the same output to
 * float tolerance), and that the page's answer is right: the same top-1 (and probability) as the
 * library computes in Node for the same image, network and weights on the same backend. With the
 * trained Fashion-MNIST weights present it also runs a Fashion-MNIST test image (that check again;
 * the true class is printed, not judged: a model may miss one image). Saves a screenshot to
 * bench/results/browser-demo.png.
 */
import { mkdtemp, rm, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { chromium } from 'playwright-core';
import { serveStatic } from './static-server.mjs';

// Node 20 runs relaxed SIMD only behind a flag (set before the first wasm compile): the page
// calibrates BatchNorm on relaxed SIMD, and so does the reference below.
setFlagsFromString('--experimental-wasm-relaxed-simd');
const {
  init, mobilenetv2_dcd, smallCnn, imageToTensorData, softmax, topK, parseLabels, readIdx, readSafetensors, stateDictFromSafetensors,
} = await import('../../dist/index.js');

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCREENSHOT = join(ROOT, 'bench/results/browser-demo.png');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TIMEOUT_MS = 5 * 60_000;
const LAYER_TOLERANCE = 1e-3; // max |difference| of the DCD layer's outputs between backends

const PROBABILITY_TOLERANCE = 1e-4;
const TIE = 1e-6; // top-1 and top-2 probabilities this close: backends may order them either way
const REFERENCE_BACKEND = 'wasm-simd';

// ---- the reference: what the page computes, in Node (keep in step with examples/browser/index.html)
/** The page's default picture: rings and gradients, 256×256 RGBA, through a Uint8ClampedArray as ImageData rounds. */
function syntheticImage() {
  const S = 256, data = new Uint8ClampedArray(4 * S * S);
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) {
    data.set([128 + 127 * Math.sin(Math.hypot(x - S / 2, y - S / 2) / 9), (x * 255) / S, (y * 255) / S, 255], 4 * (y * S + x));
  }
  return { width: S, height: S, data };
}

function flipsOf({ shape: [, C, H, W], data }) {
  const flips = new Float32Array(4 * data.length);
  for (let f = 0; f < 4; f++) for (let c = 0; c < C; c++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const sy = f & 1 ? H - 1 - y : y, sx = f & 2 ? W - 1 - x : x;
    flips[((f * C + c) * H + y) * W + x] = data[(c * H + sy) * W + sx];
  }
  return flips;
}

/** Top-1 { label, probability } of the page's network on `input` ({ shape, data }), on REFERENCE_BACKEND. */
async function referenceTop1(kind, input) {
  const m = await init({ backend: REFERENCE_BACKEND });
  let model, labels;
  if (kind === 'fashion') {
    const weights = await readFile(join(ROOT, 'examples/data/fashion_dcd.safetensors'));
    labels = readSafetensors(weights).metadata.classes.split(',');
    model = smallCnn(m, { variant: 'dcd' }).loadStateDict(stateDictFromSafetensors(weights), { strict: true });
  } else {
    labels = parseLabels(await readFile(join(ROOT, 'examples/data/imagenet_classes.txt'), 'utf8'));
    // BatchNorm statistics from the image's 4 flips on the fastest backend, as the page does.
    const fastest = await init();
    const calibration = mobilenetv2_dcd(fastest, { seed: 1 });
    const norms = calibration.namedModules().map(([, mod]) => mod).filter((mod) => typeof mod.momentum === 'number');
    for (const bn of norms) bn.momentum = 1;
    calibration.train();
    fastest.scope(() => { calibration.forward(fastest.tensor(flipsOf(input), [4, ...input.shape.slice(1)])); });
    model = mobilenetv2_dcd(m, { seed: 1 }).loadStateDict(calibration.stateDict());
    calibration.dispose();
    fastest.dispose();
  }
  model.eval();
  const logits = m.scope(() => model.forward(m.tensor(input.data, input.shape)).toFloat32Array());
  model.dispose();
  m.dispose();
  return topK(softmax({ shape: [1, labels.length], data: logits }), 1, labels)[0][0];
}

/** The page's Fashion-MNIST input for a 28×28 grey test image: (p / 255 − mean) / std (dark border: not inverted). */
async function fashionInput(pixels) {
  const weights = await readFile(join(ROOT, 'examples/data/fashion_dcd.safetensors'));
  const { mean, std } = JSON.parse(readSafetensors(weights).metadata.normalisation);
  return { shape: [1, 1, 28, 28], data: Float32Array.from(pixels, (p) => (p / 255 - mean[0]) / std[0]) };
}

function checkAgainstReference(demo, reference, what) {
  const row = demo.rows.find((r) => r.backend === REFERENCE_BACKEND);
  if (!row) return check(false, `${what}: no ${REFERENCE_BACKEND} row to compare with Node`);
  check(row.top1 === reference.label, `${what}: the page says ${row.top1}, the library in Node ${reference.label}`);
  check(Math.abs(row.top[0].probability - reference.probability) <= PROBABILITY_TOLERANCE,
    `${what}: top-1 probability ${row.top[0].probability} in the page, ${reference.probability} in Node`);
}

const failures = [];
// Last resort if the browser hangs where no playwright timeout reaches (e.g. closing it).
setTimeout(() => {
  console.error('browser demo: watchdog fired, giving up');
  process.exit(1);
}, TIMEOUT_MS + 120_000).unref();
const check = (ok, what) => { if (!ok) failures.push(what); };
const t0 = performance.now();

/** Waits for the page's run to finish; returns window.__demo after checking what the table shows. */
async function finishedRun(page) {
  await page.waitForFunction(() => window.__demo !== undefined, null, { timeout: TIMEOUT_MS, polling: 250 });
  const demo = await page.evaluate(() => window.__demo);
  if (demo.error) throw new Error(`the page failed: ${demo.error}`);
  const cells = await page.$$eval('#results tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent)));
  check(cells.length === demo.rows.length && cells.length >= 2, `expected a row per backend (≥ 2), got ${cells.length}`);
  for (const [backend, layerMs, netMs, top1] of cells) {
    check(Number.isFinite(Number(layerMs)) && Number(layerMs) > 0, `${backend}: layer ms shown as "${layerMs}"`);
    check(Number.isFinite(Number(netMs)) && Number(netMs) > 0, `${backend}: network ms shown as "${netMs}"`);
    const percent = Number(/\(([\d.]+)%\)$/.exec(top1)?.[1]);
    check(Number.isFinite(percent) && percent >= 0 && percent <= 100, `${backend}: top-1 shown as "${top1}"`);
  }
  const first = demo.rows[0];
  for (const r of demo.rows) {
    // A near tie (random weights give ~uniform classes) may break either way on float rounding.
    const tied = first.top.some((t) => t.label === r.top1 && first.top[0].probability - t.probability <= TIE);
    check(r.top1 === first.top1 || tied, `${r.backend} top-1 ${r.top1} differs from ${first.backend}'s ${first.top1}`);
    check(r.layerDiff <= LAYER_TOLERANCE, `${r.backend}: DCD layer differs from ${first.backend} by ${r.layerDiff}`);
  }
  const bars = await page.$$eval('#chart rect', (rects) => rects.map((r) => Number(r.getAttribute('width'))));
  check(bars.length >= 2 * demo.rows.length && bars.every((w) => Number.isFinite(w) && w > 0), `chart bars: ${bars}`);
  return demo;
}

const server = await serveStatic(ROOT);
const profile = await mkdtemp(join(tmpdir(), 'dcd-demo-chromium-'));
let context;
try {
  context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ARGS, timeout: 60_000 });
  const page = context.pages()[0] ?? await context.newPage();
  await page.setViewportSize({ width: 1000, height: 640 });
  const pageErrors = [];
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  await page.goto(`${server.url}/examples/browser/index.html`, { timeout: 60_000 });
  const demo = await finishedRun(page);
  const backends = demo.rows.map((r) => r.backend);
  check(backends.includes('js') && backends.includes('wasm-simd'), `backends run: ${backends}`);
  console.log(`demo (${demo.network}, synthetic image): ${demo.rows.map((r) => `${r.backend} ${r.netMs.toFixed(1)} ms → ${r.top1}`).join('; ')}`);
  const synthetic = syntheticImage();
  const syntheticInput = demo.network === 'fashion'
    ? null // the page's grey 28×28 version comes from the browser's canvas scaling: not reproduced here
    : imageToTensorData(synthetic, { resize: 256, centerCrop: 224 });
  if (syntheticInput) checkAgainstReference(demo, await referenceTop1(demo.network, syntheticInput), 'synthetic image');

  // A picked file: the page's own screenshot so far, through the file input (PNG, 1000 px wide).
  const picked = await page.screenshot();
  await page.evaluate(() => { window.__demo = undefined; });
  await page.setInputFiles('#file', { name: 'picked.png', mimeType: 'image/png', buffer: picked });
  const pickedRun = await finishedRun(page);
  check(await page.textContent('#caption') === 'picked.png', 'the picked file is not named under the preview');
  console.log(`demo (${pickedRun.network}, a picked PNG): ${pickedRun.rows.map((r) => `${r.backend} → ${r.top1}`).join('; ')}`);
  if (demo.network !== 'fashion') {
    await page.evaluate(() => { window.__demo = undefined; });
    await page.click('#synthetic'); // the screenshot shows the default image
    await finishedRun(page);
  }

  // With the trained weights, the answer can be judged: the first Fashion-MNIST sample's true class.
  if (demo.network === 'fashion') {
    await page.evaluate(() => { window.__demo = undefined; });
    await page.click('#sample');
    const sample = await finishedRun(page);
    const labels = await readIdx(await readFile(join(ROOT, 'examples/data/fashion-mnist-sample-labels.idx.gz')));
    const weights = await readFile(join(ROOT, 'examples/data/fashion_dcd.safetensors'));
    const header = JSON.parse(new TextDecoder().decode(weights.subarray(8, 8 + Number(weights.readBigUInt64LE(0)))));
    const truth = header.__metadata__.classes.split(',')[labels.data[0]];
    const images = await readIdx(await readFile(join(ROOT, 'examples/data/fashion-mnist-sample-images.idx.gz')));
    const reference = await referenceTop1('fashion', await fashionInput(images.data.subarray(0, 28 * 28)));
    checkAgainstReference(sample, reference, 'Fashion-MNIST test image 0');
    console.log(`demo (fashion, test image 0): ${sample.rows[0].top1}, Node: ${reference.label} (true class: ${truth})`);
  } else {
    const file = join(ROOT, 'examples/data/fashion_dcd.safetensors');
    let readable = false;
    try { readable = existsSync(file) && readSafetensors(await readFile(file)) !== undefined; } catch { /* unreadable: the page falls back */ }
    check(!readable, 'the trained weights are readable but the page fell back to random DCD-MobileNetV2');
    console.log(`demo: ${existsSync(file) ? 'unreadable' : 'no'} trained weights, random DCD-MobileNetV2 shown`);
  }
  check(pageErrors.length === 0, `page errors: ${pageErrors.join('; ')}`);
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  console.log(`screenshot: ${SCREENSHOT}`);
} catch (err) {
  failures.push(err.message);
} finally {
  await context?.close().catch(() => {});
  await rm(profile, { recursive: true, force: true }).catch(() => {});
  await server.close();
}
for (const f of failures) console.error(`FAIL ${f}`);
console.log(`browser demo: ${failures.length === 0 ? 'passed' : `${failures.length} failed`} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
process.exitCode = failures.length === 0 ? 0 : 1;
