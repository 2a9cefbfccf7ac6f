/**
 * `npm run test:browser`: bundles the suites, serves them on 127.0.0.1 and runs them in Debian's
 * headless Chromium driven by playwright-core (no browser download). Prints each failure and
 * `Chromium: N passed, M failed`; exits non-zero on any failure, on zero tests, or on timeout.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium } from 'playwright-core';
import { bundleSuites, suiteBundle } from './bundle.mjs';
import { report } from './report.mjs';
import { serveStatic } from './static-server.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const LAUNCH_TIMEOUT_MS = 60_000;
const RUN_TIMEOUT_MS = 10 * 60_000;

// The page runs the suites and leaves the summary on window.__dcdResults (or the load error).
const PAGE = `<!doctype html><meta charset="utf-8"><title>dcd-wasm tests</title>
<script type="module">
  try {
    const { run } = await import('./suite.mjs');
    window.__dcdResults = await run({ onResult: (r) => r.status === 'failed' && console.error('FAIL ' + r.name) });
  } catch (err) {
    window.__dcdResults = { loadError: String(err && err.stack || err) };
  }
</script>`;

async function runInChromium(url) {
  const profile = await mkdtemp(join(tmpdir(), 'dcd-chromium-'));
  let context;
  try {
    // A persistent context is how playwright takes a --user-data-dir: a fresh temp profile per run.
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, args: ARGS, headless: true, timeout: LAUNCH_TIMEOUT_MS,
    });
    const page = context.pages()[0] ?? await context.newPage();
    const pageErrors = [];
    page.on('pageerror', (err) => pageErrors.push(String(err)));
    await page.goto(`${url}/index.html`, { timeout: LAUNCH_TIMEOUT_MS });
    await page.waitForFunction(() => window.__dcdResults !== undefined, null, { timeout: RUN_TIMEOUT_MS, polling: 250 });
    const results = await page.evaluate(() => window.__dcdResults);
    if (results.loadError) throw new Error(`the test bundle failed to load:\n${results.loadError}\n${pageErrors.join('\n')}`);
    return results;
  } finally {
    await context?.close().catch(() => {});
    await rm(profile, { recursive: true, force: true }).catch(() => {});
  }
}

// Last resort if closing the browser itself hangs: playwright kills its browser on process exit.
setTimeout(() => {
  console.error('Chromium: watchdog fired, giving up');
  console.log('Chromium: 0 passed, 1 failed');
  process.exit(1);
}, LAUNCH_TIMEOUT_MS * 2 + RUN_TIMEOUT_MS + 30_000).unref();

// Cross-origin isolation makes SharedArrayBuffer available, so the threads suite runs here too
// (DCD_BROWSER_ISOLATED=0 serves the page without it: that suite then checks the fallback instead).
const ISOLATION = process.env.DCD_BROWSER_ISOLATED === '0' ? {} : {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

await bundleSuites();
const server = await serveStatic(dirname(suiteBundle), { '/index.html': PAGE, '/': PAGE }, ISOLATION);
try {
  process.exitCode = report('Chromium', await runInChromium(server.url));
} catch (err) {
  console.error(`Chromium: ${err.message}`);
  console.log('Chromium: 0 passed, 1 failed');
  process.exitCode = 1;
} finally {
  await server.close();
}
