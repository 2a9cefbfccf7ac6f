/**
 * `npm run test:edge`: runs the built dist/index.js inside Cloudflare's workerd (tests/edge/worker.js)
 * through every way a Worker can load the wasm, and checks each result against the js backend in
 * Node on the same seeded inputs (tests/edge/cases.js); then serves examples/cloudflare-worker the
 * way its README says and calls it (tests/edge/example-worker.mjs). Prints `workerd: N passed, M failed`; exits
 * non-zero on any failure, on zero tests, or on timeout; workerd is always killed.
 * Needs `npm run build` first.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runCases } from '../edge/cases.js';
import { compareOutputs, MAX_REL_ERR } from '../edge/compare.mjs';
import { EXAMPLE_CHECKS } from '../edge/example-worker.mjs';
import { startExampleWorker, startTestWorker, WORKERD_BIN } from '../edge/workerd-server.mjs';
import { report } from './report.mjs';
import { repoRoot } from './suites.mjs';

const REQUEST_TIMEOUT_MS = 60_000;
const TOTAL_TIMEOUT_MS = 5 * 60_000;

/** Worker path → the backend it must report. */
const PATHS = {
  embedded: { backend: 'wasm-relaxed-simd', wasmSource: 'embedded' },
  'embedded-simd': { backend: 'wasm-simd', wasmSource: 'embedded' },
  'embedded-scalar': { backend: 'wasm-scalar', wasmSource: 'embedded' },
  module: { backend: 'wasm-simd', wasmSource: 'module' },
  'module-in-request': { backend: 'wasm-simd', wasmSource: 'module' },
};

async function fetchPath(url, path) {
  const res = await fetch(`${url}/?path=${encodeURIComponent(path)}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  const body = await res.json();
  if (!res.ok || body.error) throw new Error(body.error ?? `HTTP ${res.status}`);
  return body;
}

/** Records one test per (path, case), plus one for the backend each path reports. */
function check(summary, path, body, reference) {
  const record = (name, problems) => {
    if (problems.length === 0) summary.passed++;
    else summary.failures.push({ name: `${path} › ${name}`, error: problems.join('\n') });
  };
  const want = PATHS[path];
  const { backend, wasmSource } = body.info;
  record('backend', backend === want.backend && wasmSource === want.wasmSource ? []
    : [`reported ${backend} from ${wasmSource}, expected ${want.backend} from ${want.wasmSource}`]);
  for (const [name, expected] of Object.entries(reference)) {
    const actual = body.results[name];
    if (expected.skipped) summary.skipped++;
    else if (expected.error) record(name, [`the js backend in Node failed: ${expected.error}`]);
    else if (actual?.error) record(name, [actual.error]);
    else record(name, compareOutputs(actual?.outputs, expected.outputs));
  }
}

async function checkExample(summary) {
  let example;
  try {
    example = await startExampleWorker(repoRoot);
    for (const [name, run] of Object.entries(EXAMPLE_CHECKS)) {
      const problems = await run(example.url).catch((e) => [`${e.message}\n--- workerd log ---\n${example.log()}`]);
      if (problems.length === 0) summary.passed++;
      else summary.failures.push({ name: `examples/cloudflare-worker › ${name}`, error: problems.join('\n') });
    }
  } catch (e) {
    summary.failures.push({ name: 'examples/cloudflare-worker › start', error: e.message });
  } finally {
    await example?.stop();
  }
}

async function main() {
  for (const file of ['dist/index.js', 'dist/dcd-simd.wasm', WORKERD_BIN]) {
    if (!existsSync(join(repoRoot, file))) throw new Error(`${file} is missing (run npm run build / npm ci first)`);
  }
  const lib = await import(pathToFileURL(join(repoRoot, 'dist/index.js')).href);
  const reference = runCases(lib.initSync({ backend: 'js' }), lib);
  const summary = { passed: 0, failed: 0, skipped: 0, failures: [] };
  const server = await startTestWorker(repoRoot);
  try {
    for (const path of Object.keys(PATHS)) {
      try {
        check(summary, path, await fetchPath(server.url, path), reference);
      } catch (e) {
        summary.failures.push({ name: `${path} › request`, error: `${e.message}\n--- workerd log ---\n${server.log()}` });
      }
    }
  } finally {
    await server.stop();
  }
  await checkExample(summary);
  summary.failed = summary.failures.length;
  console.log(`workerd: results compared with the js backend in Node, max rel err ≤ ${MAX_REL_ERR}`);
  return report('workerd', summary);
}

const watchdog = setTimeout(() => {
  // The 'exit' hook in workerd-server.mjs kills workerd on the way out.
  console.error(`workerd: timed out after ${TOTAL_TIMEOUT_MS / 1000} s`);
  console.log('workerd: 0 passed, 1 failed');
  process.exit(1);
}, TOTAL_TIMEOUT_MS);

try {
  process.exitCode = await main();
} catch (e) {
  console.error(`workerd: ${e.stack ?? e}`);
  console.log('workerd: 0 passed, 1 failed');
  process.exitCode = 1;
} finally {
  clearTimeout(watchdog);
}
