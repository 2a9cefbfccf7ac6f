#!/usr/bin/env node
/**
 * `npm run test:package` (after `npm run build`): checks the package as a user gets it, from the
 * tarball `npm pack` makes.
 *   1. contents: exactly the files a user needs (EXPECTED_FILES); prints packed and unpacked size;
 *      npm publish --dry-run with nothing for npm to auto-correct
 *   2. publint and @arethetypeswrong/cli: no problems
 *   3. a TypeScript consumer (tests/package/consumer.*) type-checks under bundler, node16 and
 *      nodenext resolution with skipLibCheck: false
 *   4. bundle budgets (esbuild, minified): the slim entry ≤ 100 KB; the default entry ≤ 1.1 × the builds it
 *      embeds, and its JavaScript beyond their base64 ≤ 100 KB + the threads runtime only it carries
 *   5. smoke runs: Node import, require, the slim entry with a resolver (and its typed error for threads);
 *      Deno with npm: specifiers; the CLI
 * Works in build/package/ (git-ignored). Exits 1 naming every failed check.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = join(root, 'build', 'package');
const consumer = join(work, 'consumer');
const installed = join(consumer, 'node_modules', 'dcd-wasm');
const bin = (name) => join(root, 'node_modules', '.bin', name);

const WASM_FILES = ['dcd-relaxed-simd.wasm', 'dcd-simd.wasm', 'dcd-scalar.wasm', 'dcd-threads.wasm', 'dcd-relaxed-simd-threads.wasm'];
const EXPECTED_FILES = [
  'package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'docs/ARCHITECTURE.md', 'bin/dcd-wasm.mjs',
  // `dcd-wasm bench` runs the repository's benchmark as it is
  'bench/run.mjs', 'bench/suites.mjs', ...benchModules('lib'), ...benchModules('cases'),
  ...['index', 'slim'].flatMap((e) => [`dist/${e}.js`, `dist/${e}.cjs`, `dist/${e}.d.ts`, `dist/${e}.d.cts`]),
  'dist/wasm.d.ts', 'dist/wasm.d.cts', ...WASM_FILES.map((f) => `dist/${f}`),
].sort();
function benchModules(dir) {
  return readdirSync(join(root, 'bench', dir)).filter((f) => f.endsWith('.mjs')).map((f) => `bench/${dir}/${f}`);
}
const SLIM_BUDGET = 100 * 1024;
const DEFAULT_BUDGET_FACTOR = 1.1;
/**
 * The default entry's own JavaScript: the slim entry's code plus the threads runtime that only the
 * default entry carries (worker pool, worker source, threaded kernel wrappers: ~16 KB minified on
 * 2026-12-07; the slim entry leaves it out, runtime/threads/start_slim.ts).
 */
const DEFAULT_JS_BUDGET = SLIM_BUDGET + 16 * 1024;

const failures = [];
const check = (ok, message) => {
  console.log(`${ok ? '✓' : '✗'} ${message}`);
  if (!ok) failures.push(message);
};
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const run = (cmd, args, cwd = consumer) => spawnSync(cmd, args, { cwd, encoding: 'utf8' });
// The system npm, not a bare 'npm': npm puts node_modules/.bin first on PATH, and a dependency of
// @as-pect ships npm 6 there (no --pack-destination; it also answers the inner `npm run` calls of
// `npm test`). So: the first npm on PATH outside this project.
const systemNpm = () => {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir || resolve(dir).startsWith(resolve(root))) continue;
    const candidate = join(dir, process.platform === 'win32' ? 'npm.cmd' : 'npm');
    if (existsSync(candidate)) return candidate;
  }
  return 'npm';
};
const NPM = [systemNpm(), []];
const npm = (args, cwd) => run(NPM[0], [...NPM[1], ...args], cwd);

// 1. pack and unpack
rmSync(work, { recursive: true, force: true });
mkdirSync(installed, { recursive: true });
const [pack] = JSON.parse(execFileSync(NPM[0], [...NPM[1], 'pack', '--json', '--pack-destination', work], { cwd: root, encoding: 'utf8' }));
const tarball = join(work, pack.filename);
execFileSync('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);
const files = pack.files.map((f) => f.path).sort();
const extra = files.filter((f) => !EXPECTED_FILES.includes(f));
const missing = EXPECTED_FILES.filter((f) => !files.includes(f));
check(extra.length === 0 && missing.length === 0,
  `tarball holds exactly the ${EXPECTED_FILES.length} expected files` +
  (extra.length ? `; unexpected: ${extra.join(', ')}` : '') + (missing.length ? `; missing: ${missing.join(', ')}` : ''));
console.log(`  ${pack.filename}: ${kb(pack.size)} packed, ${kb(pack.unpackedSize)} unpacked, ${pack.entryCount} files`);

// npm's own checks: publish --dry-run auto-corrects (and warns about) a package.json it finds wrong
const publish = npm(['publish', '--dry-run', '--ignore-scripts'], root);
const corrected = (publish.stderr.match(/npm warn publish (?!This command requires you to be logged in).*/g) ?? []);
check(publish.status === 0 && corrected.length === 0,
  `npm publish --dry-run: ${publish.status === 0 && corrected.length === 0 ? 'clean' : `${publish.status}\n${corrected.join('\n')}`}`);

// 2. publint, attw
const { publint } = await import('publint');
const { formatMessage } = await import('publint/utils');
const pkgJson = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
const lint = await publint({ pkgDir: installed, level: 'suggestion' });
for (const m of lint.messages) console.log(`  publint ${m.type}: ${formatMessage(m, pkgJson)}`);
check(lint.messages.filter((m) => m.type !== 'suggestion').length === 0, 'publint: no errors or warnings');
const attw = run(bin('attw'), [tarball, '--format', 'ascii', '--no-emoji', '--no-color', '--no-summary'], work);
check(attw.status === 0, `@arethetypeswrong/cli: ${attw.status === 0 ? 'no problems' : `problems:\n${attw.stdout}${attw.stderr}`}`);

// 3. TypeScript consumers
for (const f of ['consumer.mts', 'consumer.cts', 'consumer-bundler.ts']) {
  copyFileSync(join(root, 'tests', 'package', f), join(consumer, f));
}
const TS_SETUPS = {
  bundler: { module: 'esnext', moduleResolution: 'bundler', files: ['consumer-bundler.ts', 'consumer.mts'] },
  node16: { module: 'node16', moduleResolution: 'node16', files: ['consumer.mts', 'consumer.cts'] },
  nodenext: { module: 'nodenext', moduleResolution: 'nodenext', files: ['consumer.mts', 'consumer.cts'] },
  // a Node project: no DOM in lib, Node's types only
  'nodenext, lib ES2022 + @types/node': { module: 'nodenext', moduleResolution: 'nodenext', lib: ['ES2022'], types: ['node'],
    files: ['consumer.mts', 'consumer.cts'] },
};
for (const [name, { files: tsFiles, ...options }] of Object.entries(TS_SETUPS)) {
  const tsconfig = join(consumer, `tsconfig.${name.replace(/\W+/g, '-')}.json`);
  writeFileSync(tsconfig, JSON.stringify({
    compilerOptions: {
      target: 'ES2022', lib: ['ES2022', 'DOM'], types: [], ...options, strict: true, skipLibCheck: false, noEmit: true,
    },
    files: tsFiles,
  }, null, 2));
  const tsc = run(bin('tsc'), ['-p', tsconfig]);
  check(tsc.status === 0, `tsc (${name}, skipLibCheck false): ${tsc.status === 0 ? 'clean' : `errors:\n${tsc.stdout}${tsc.stderr}`}`);
}

// 4. bundle budgets
const esbuild = await import('esbuild');
const bundleSize = async (name, source) => {
  const entry = join(consumer, `${name}-app.mjs`);
  writeFileSync(entry, source);
  const result = await esbuild.build({
    entryPoints: [entry], bundle: true, minify: true, format: 'esm', platform: 'browser', write: false,
    absWorkingDir: consumer, logLevel: 'error',
  });
  const code = result.outputFiles[0].contents;
  return { min: code.length, gzip: gzipSync(code).length };
};
const embedded = WASM_FILES.reduce((sum, f) => sum + readFileSync(join(installed, 'dist', f)).toString('base64').length, 0);
const slimSize = await bundleSize('slim', "import { init } from 'dcd-wasm/slim';\n" +
  'export const m = await init({ wasm: (file) => new URL(file, import.meta.url) });\n');
check(slimSize.min <= SLIM_BUDGET, `slim bundle ${kb(slimSize.min)} minified (${kb(slimSize.gzip)} gzipped) ≤ ${kb(SLIM_BUDGET)}`);
const defaultSize = await bundleSize('default', "import { init } from 'dcd-wasm';\nexport const m = await init();\n");
// Both of issue 12's targets are gated: the slim entry above, and the default entry ≤ 1.1 × the builds
// it embeds. The default entry's own JavaScript (all but the embedded builds) is held to the slim
// budget plus the threads runtime only it carries, so what it adds is accounted for as code, not hidden
// by the builds' size (for the same JS the ratio moves with the builds: the 180 KB SIMD builds that
// tools/asc/presimplify.mjs gives lower it; tools/bundle-breakdown.mjs: where the JS goes).
check(defaultSize.min - embedded <= DEFAULT_JS_BUDGET,
  `default bundle ${kb(defaultSize.min)} minified (${kb(defaultSize.gzip)} gzipped): ${kb(defaultSize.min - embedded)} of ` +
  `JavaScript beyond the base64 of the ${WASM_FILES.length} builds it embeds (${kb(embedded)}) ≤ ${kb(DEFAULT_JS_BUDGET)} ` +
  '(the slim budget + the threads runtime)');
const ratio = defaultSize.min / embedded;
check(ratio <= DEFAULT_BUDGET_FACTOR, `target (issue 12): default bundle ≤ ${DEFAULT_BUDGET_FACTOR} × what it embeds: ${ratio.toFixed(3)}×`);
for (const f of WASM_FILES) {
  const bytes = readFileSync(join(installed, 'dist', f));
  console.log(`  ${f}: ${kb(bytes.length)} raw, ${kb(gzipSync(bytes).length)} gzipped`);
}

// 5. Node smoke runs of the installed package
const SMOKE = {
  'import.mjs': "import { initSync } from 'dcd-wasm';\nconst m = initSync();\n" +
    "const y = m.conv2d(m.tensor(new Float32Array(16).fill(1), [1, 1, 4, 4]), m.tensor(new Float32Array(9).fill(1), [1, 1, 3, 3]), { padding: 1 });\n" +
    "if (y.toFloat32Array()[5] !== 9) throw new Error('wrong conv result');\nconsole.log(m.info().backend);\n",
  'require.cjs': "const { initSync } = require('dcd-wasm');\nconsole.log(initSync().info().backend);\n",
  'slim.mjs': "import { readFileSync } from 'node:fs';\nimport { fileURLToPath } from 'node:url';\nimport { init } from 'dcd-wasm/slim';\n" +
    "const asked = [];\nconst m = await init({ wasm: (file) => { asked.push(file); return readFileSync(fileURLToPath(import.meta.resolve(`dcd-wasm/${file}`))); } });\n" +
    "console.log(m.info().backend, asked.join(','));\n" +
    // the slim entry has no threads runtime: a clear error for threads: 2, one thread for 'auto'
    "const error = await init({ wasm: () => new Uint8Array(0), threads: 2 }).then(() => null, (e) => e);\n" +
    "if (error?.code !== 'E_BACKEND' || !/slim entry .* has no threads runtime/.test(error.message)) throw new Error(`threads: 2 gave ${error}`);\n" +
    "const auto = await init({ wasm: (file) => readFileSync(fileURLToPath(import.meta.resolve(`dcd-wasm/${file}`))), threads: 'auto' });\n" +
    "if (auto.info().threads !== 1 || !/slim entry/.test(auto.info().threadsNote)) throw new Error('threads: auto in the slim entry');\n",
};
for (const [file, source] of Object.entries(SMOKE)) {
  writeFileSync(join(consumer, file), source);
  const r = run(process.execPath, [file]);
  check(r.status === 0 && r.stderr === '', `node ${file}: ${r.status === 0 ? r.stdout.trim() : ''}${r.stderr}`);
}
// Deno, the way an app with a node_modules/ imports it: npm: specifiers, nothing from the registry
writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module',
  dependencies: { 'dcd-wasm': pkgJson.version } }));
writeFileSync(join(consumer, 'deno-npm.mjs'), "import { initSync } from 'npm:dcd-wasm';\n" +
  "import { init as initSlim } from 'npm:dcd-wasm/slim';\nconst m = initSync();\n" +
  'const s = await initSlim({ wasm: (file) => Deno.readFile(new URL(import.meta.resolve(`npm:dcd-wasm/${file}`))) });\n' +
  'console.log(m.info().backend, s.info().backend);\n');
const deno = run(bin('deno'), ['run', '--node-modules-dir=manual', '--allow-read=.', 'deno-npm.mjs']);
check(deno.status === 0, `deno run (npm:dcd-wasm from node_modules): ${deno.stdout.trim()}${deno.status === 0 ? '' : deno.stderr}`);

const cli = join(installed, pkgJson.bin['dcd-wasm']);
const help = run(process.execPath, [cli, '--help']);
check(help.status === 0 && /usage/i.test(help.stdout), 'dcd-wasm --help: exit 0 with a usage text');
const bad = run(process.execPath, [cli, 'frobnicate']);
check(bad.status !== 0 && bad.stderr.trim().split('\n').length === 1, `dcd-wasm frobnicate: exit ${bad.status}, "${bad.stderr.trim()}"`);

console.log(failures.length ? `\n${failures.length} check(s) failed` : '\npackage checks passed');
process.exit(failures.length ? 1 : 0);
