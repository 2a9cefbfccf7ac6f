/**
 * `npm run test:demo`: opens the browser demo (examples/browser/index.html) in Debian's headless
 * Chromium via playwright-core, waits for its run on the default image, and checks that every number
 * it shows is finite, that every backend gives the same top-1 (and the DCD layer the same output to
 * float tolerance), and — when the trained Fashion-MNIST weights are present — that a Fashion-MNIST
 * test image gets its true class. Saves a screenshot to bench/results/browser-demo.png.
 */
import { mkdtemp, rm, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { readIdx } from '../../dist/index.js';
import { serveStatic } from './static-server.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCREENSHOT = join(ROOT, 'bench/results/browser-demo.png');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TIMEOUT_MS = 5 * 60_000;
const LAYER_TOLERANCE = 1e-3; // max |difference| of the DCD layer's outputs between backends

const failures = [];
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
    check(r.top1 === first.top1, `${r.backend} top-1 ${r.top1} differs from ${first.backend}'s ${first.top1}`);
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

  // With the trained weights, the answer can be judged: the first Fashion-MNIST sample's true class.
  if (demo.network === 'fashion') {
    await page.evaluate(() => { window.__demo = undefined; });
    await page.click('#sample');
    const sample = await finishedRun(page);
    const labels = await readIdx(await readFile(join(ROOT, 'examples/data/fashion-mnist-sample-labels.idx.gz')));
    const weights = await readFile(join(ROOT, 'examples/data/fashion_dcd.safetensors'));
    const header = JSON.parse(new TextDecoder().decode(weights.subarray(8, 8 + Number(weights.readBigUInt64LE(0)))));
    const truth = header.__metadata__.classes.split(',')[labels.data[0]];
    check(sample.rows[0].top1 === truth, `Fashion-MNIST sample 0: predicted ${sample.rows[0].top1}, true ${truth}`);
    console.log(`demo (fashion, test image 0): ${sample.rows[0].top1} (true: ${truth})`);
  } else {
    console.log(`demo: ${existsSync(join(ROOT, 'examples/data/fashion_dcd.safetensors')) ? 'weights present but not used?!' : 'no trained weights, random DCD-MobileNetV2 shown'}`);
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
