#!/usr/bin/env node
/**
 * Consumer tests: dcd-wasm installed from its packed tarball (build/package/, made by
 * `npm run test:package`), bundled by esbuild, rollup, webpack and Vite — the default entry and the
 * slim entry (which fetches the one build it needs from wasm/ next to the page) — plus a module Web
 * Worker running the slim entry. Each page runs a DCD layer in headless Chromium and must report a
 * wasm backend, finite outputs and the js backend's result (max abs diff ≤ 1e-4).
 *
 *   npm ci --prefix tests/consumers && node tests/consumers/run.mjs
 * Prints a line per app (backend, init and forward ms, bundle size) and exits 1 on any failure.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serveStatic } from '../runners/static-server.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = join(here, '..', '..');
const apps = join(here, 'apps');
const out = join(here, 'out');
const installed = join(here, 'node_modules', 'dcd-wasm');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const MAX_DIFF = 1e-4;
const ENTRIES = { 'app-default': 'app-default.js', 'app-slim': 'app-slim.js' };

// the package as published: the tarball check-package.mjs packed
const tarballs = existsSync(join(repo, 'build', 'package')) ?
  readdirSync(join(repo, 'build', 'package')).filter((f) => f.endsWith('.tgz')) : [];
if (tarballs.length !== 1) {
  console.error('tests/consumers: run `npm run build && npm run test:package` first (it packs build/package/dcd-wasm-*.tgz)');
  process.exit(2);
}
rmSync(installed, { recursive: true, force: true });
mkdirSync(installed, { recursive: true });
execFileSync('tar', ['-xzf', join(repo, 'build', 'package', tarballs[0]), '-C', installed, '--strip-components=1']);
rmSync(out, { recursive: true, force: true });

const page = (script) => `<!doctype html><meta charset="utf-8"><title>dcd-wasm consumer</title>
<script type="module" src="./${script}"></script>`;

/** Puts the pages and the wasm builds (for the slim apps) next to a bundler's output. */
function finishSite(dir, withHtml = true) {
  if (withHtml) for (const name of Object.keys(ENTRIES)) writeFileSync(join(dir, `${name}.html`), page(`${name}.js`));
  mkdirSync(join(dir, 'wasm'), { recursive: true });
  for (const f of readdirSync(join(installed, 'dist')).filter((n) => n.endsWith('.wasm'))) {
    cpSync(join(installed, 'dist', f), join(dir, 'wasm', f));
  }
}

const BUNDLERS = {
  async esbuild(dir) {
    const esbuild = await import('esbuild');
    await esbuild.build({
      entryPoints: { ...Object.fromEntries(Object.entries(ENTRIES).map(([k, v]) => [k, join(apps, v)])),
        'worker-slim': join(apps, 'worker-slim.js'), 'app-worker': join(apps, 'app-worker.js') },
      outdir: dir, bundle: true, minify: true, format: 'esm', platform: 'browser', logLevel: 'error',
    });
    finishSite(dir);
    writeFileSync(join(dir, 'app-worker.html'), page('app-worker.js'));
  },
  async rollup(dir) {
    const { rollup } = await import('rollup');
    const { nodeResolve } = await import('@rollup/plugin-node-resolve');
    const bundle = await rollup({
      input: Object.fromEntries(Object.entries(ENTRIES).map(([k, v]) => [k, join(apps, v)])),
      plugins: [nodeResolve({ browser: true })],
    });
    await bundle.write({ dir, format: 'es', entryFileNames: '[name].js' });
    await bundle.close();
    finishSite(dir);
  },
  async webpack(dir) {
    const { default: webpack } = await import('webpack');
    const stats = await new Promise((resolve, reject) => webpack({
      mode: 'production', context: apps, target: 'web',
      entry: Object.fromEntries(Object.entries(ENTRIES).map(([k, v]) => [k, `./${v}`])),
      output: { path: dir, filename: '[name].js', module: true },
      experiments: { outputModule: true },
      resolve: { modules: [join(here, 'node_modules')] },
      performance: { hints: false },
    }, (err, s) => (err ? reject(err) : resolve(s))));
    if (stats.hasErrors()) throw new Error(stats.toString('errors-only'));
    finishSite(dir);
  },
  async vite(dir) {
    const { build } = await import('vite');
    const root = join(out, 'vite-src');
    mkdirSync(root, { recursive: true });
    for (const f of readdirSync(apps)) cpSync(join(apps, f), join(root, f));
    for (const [name, script] of Object.entries(ENTRIES)) writeFileSync(join(root, `${name}.html`), page(script));
    await build({
      root, logLevel: 'error', configFile: false,
      resolve: { preserveSymlinks: false },
      build: { outDir: dir, emptyOutDir: true, target: 'es2022',
        rollupOptions: { input: Object.fromEntries(Object.keys(ENTRIES).map((n) => [n, join(root, `${n}.html`)])) } },
    });
    finishSite(dir, false);
  },
};

const jsBytes = (dir, name) => {
  const direct = join(dir, `${name}.js`);
  if (existsSync(direct)) return statSync(direct).size;
  // Vite names its chunks: sum the JS under assets/
  const assets = join(dir, 'assets');
  return existsSync(assets) ? readdirSync(assets).filter((f) => f.endsWith('.js') && f.startsWith(name))
    .reduce((s, f) => s + statSync(join(assets, f)).size, 0) : NaN;
};

const failures = [];
const profile = await mkdtemp(join(tmpdir(), 'dcd-consumers-'));
const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ARGS, headless: true });
try {
  for (const [bundler, make] of Object.entries(BUNDLERS)) {
    const dir = join(out, bundler);
    const started = performance.now();
    try {
      await make(dir);
    } catch (e) {
      failures.push(`${bundler}: build failed: ${e.message}`);
      console.log(`✗ ${bundler}: build failed: ${e.message}`);
      continue;
    }
    const buildMs = performance.now() - started;
    const server = await serveStatic(dir);
    try {
      const pages = [...Object.keys(ENTRIES), ...(existsSync(join(dir, 'app-worker.html')) ? ['app-worker'] : [])];
      for (const name of pages) {
        const tab = await context.newPage();
        try {
          await tab.goto(`${server.url}/${name}.html`);
          const r = await tab.waitForFunction(() => window.__result, null, { timeout: 60_000 })
            .then(() => tab.evaluate(() => window.__result));
          const ok = !r.error && r.finite && r.maxDiff <= MAX_DIFF && r.backend.startsWith('wasm-');
          const line = `${bundler} ${name}: ` + (r.error ? r.error : `${r.backend}${r.inWorker ? ' in a Worker' : ''}, ` +
            `init ${r.initMs.toFixed(1)} ms, forward ${r.forwardMs.toFixed(2)} ms, max diff vs js ${r.maxDiff.toExponential(1)}, ` +
            `JS ${(jsBytes(dir, name) / 1024).toFixed(1)} KB (build ${(buildMs / 1000).toFixed(1)} s)`);
          console.log(`${ok ? '✓' : '✗'} ${line}`);
          if (!ok) failures.push(line);
        } finally {
          await tab.close();
        }
      }
    } finally {
      await server.close();
    }
  }
} finally {
  await context.close();
  await rm(profile, { recursive: true, force: true });
}
console.log(failures.length ? `\n${failures.length} consumer check(s) failed` : '\nconsumer checks passed');
process.exit(failures.length ? 1 : 0);
