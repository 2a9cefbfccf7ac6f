#!/usr/bin/env node
// Smoke check of the browser example (for maintainers): serves it, opens it in Debian's headless
// Chromium via playwright-core, waits for "done", prints the page text, saves a screenshot.
// Exit code 1 if the page reports an error or never finishes.
//
//   npm run build && node examples/browser/check.mjs [screenshot.png]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { serve } from './serve.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const screenshot = process.argv[2] ?? join(tmpdir(), 'dcd-browser-example.png');

const server = await serve(0);
const profile = await mkdtemp(join(tmpdir(), 'dcd-example-chromium-'));
let context;
try {
  context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ARGS, timeout: 60_000 });
  const page = context.pages()[0] ?? await context.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/`, { timeout: 60_000 });
  await page.waitForFunction(() => /done|error/.test(document.getElementById('out').textContent), null, { timeout: 60_000 });
  const text = await page.textContent('#out');
  await page.screenshot({ path: screenshot });
  console.log(text);
  console.log(`screenshot: ${screenshot}`);
  process.exitCode = text.includes('error') ? 1 : 0;
} catch (e) {
  console.error(`browser example failed: ${e.message}`);
  process.exitCode = 1;
} finally {
  await context?.close().catch(() => {});
  await rm(profile, { recursive: true, force: true });
  server.close();
}
