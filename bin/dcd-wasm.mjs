#!/usr/bin/env node
// The dcd-wasm command line (`npx dcd-wasm …`). Bad arguments: one line on stderr, exit 2.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const HELP = {
  main: `usage: dcd-wasm <command> [options]

commands:
  info                         this runtime's WebAssembly support (SIMD, relaxed SIMD, threads),
                               the build init() picks, and how long init() takes
  bench [options]              the library benchmark: conv2d, dynamic conv and DCD layers, every
                               backend side by side (dcd-wasm bench --help)
  run <model.safetensors> <image>
                               classify an image with a DCD network (not available yet)

dcd-wasm <command> --help      help for one command`,
  info: `usage: dcd-wasm info [--json]

Prints the runtime, whether WebAssembly SIMD, relaxed SIMD and threads are available here, the build
init() picks (backend 'auto'), and the time of a cold init() and initSync().
  --json     the same as one JSON object`,
  bench: `usage: dcd-wasm bench [--quick] [--batch 1,8] [--filter REGEX] [--suite NAME] [--clock wall|cpu]
                     [--rounds N] [--relaxed]

Every backend (relaxed SIMD where available, SIMD, scalar, JS) on the same inputs, interleaved rounds,
medians; outputs are checked against the JS reference first. Suites: conv2d, dynamic-conv2d, dcd, threads.
  --quick        three shapes, fewer rounds
  --relaxed      run Node with --experimental-wasm-relaxed-simd (Node 20) to add the relaxed-SIMD columns`,
  run: `usage: dcd-wasm run <model.safetensors> <image>

Top-5 classes of an image with a DCD network. Not available yet: the networks are still being built.`,
};

class UsageError extends Error {}

function expectNoArgs(command, args) {
  if (args.length) throw new UsageError(`dcd-wasm ${command}: unexpected argument "${args[0]}" (see dcd-wasm ${command} --help)`);
}

async function info(args) {
  const json = args[0] === '--json';
  expectNoArgs('info', json ? args.slice(1) : args);
  const t0 = performance.now();
  const dcd = await import('../dist/index.js');
  const importMs = performance.now() - t0;
  const t1 = performance.now();
  const m = await dcd.init();
  const initMs = performance.now() - t1;
  const t2 = performance.now();
  const s = dcd.initSync({ backend: 'wasm-scalar' });
  const scalarMs = performance.now() - t2;
  let threads;
  try {
    const threaded = await dcd.init({ threads: 'auto' });
    const i = threaded.info();
    threads = i.threadsNote ? `no (${i.threadsNote.replace(/^threads: 'auto' fell back to 1 thread: /, '')})` :
      `yes (${i.threads} threads, ${i.backend})`;
    threaded.dispose();
  } catch (e) {
    threads = `no (${e.message})`;
  }
  const runtime = typeof Deno === 'object' ? `Deno ${Deno.version.deno}` : `Node ${process.version}`;
  const report = {
    runtime: `${runtime} (${process.platform}-${process.arch})`,
    simd: dcd.simdSupported(),
    relaxedSimd: dcd.relaxedSimdSupported() ||
      (runtime.startsWith('Node v20') ? 'no (Node 20 needs node --experimental-wasm-relaxed-simd)' : false),
    threads,
    build: m.info().backend,
    importMs: Number(importMs.toFixed(1)),
    initMs: Number(initMs.toFixed(1)),
    initSyncScalarMs: Number(scalarMs.toFixed(1)),
  };
  m.dispose();
  s.dispose();
  if (json) {
    console.log(JSON.stringify(report, null, 2));
    return;
  }
  const yes = (v) => (v === true ? 'yes' : v === false ? 'no' : v);
  console.log(`dcd-wasm ${await version()}
runtime        ${report.runtime}
SIMD           ${yes(report.simd)}
relaxed SIMD   ${yes(report.relaxedSimd)}
threads        ${report.threads}
init() picks   ${report.build}
cold start     import ${report.importMs} ms (decodes nothing yet), init() ${report.initMs} ms (compile + instantiate)`);
}

async function version() {
  const { readFileSync } = await import('node:fs');
  return JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
}

function bench(args) {
  const script = fileURLToPath(new URL('../bench/run.mjs', import.meta.url));
  if (!existsSync(script)) throw new UsageError(`dcd-wasm bench: ${script} is missing (a broken install?)`);
  const relaxed = args.includes('--relaxed');
  const rest = args.filter((a) => a !== '--relaxed');
  const node = [...(relaxed ? ['--experimental-wasm-relaxed-simd'] : []), script, '--no-save', ...rest];
  const r = spawnSync(process.execPath, node, { stdio: 'inherit' });
  process.exitCode = r.status ?? 1;
}

function run(args) {
  if (args.length !== 2) throw new UsageError('dcd-wasm run: expected <model.safetensors> <image> (see dcd-wasm run --help)');
  throw new UsageError('dcd-wasm run: not available yet — the DCD networks it needs are still being built');
}

const COMMANDS = { info, bench, run };

async function main(argv) {
  const [command, ...args] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(HELP.main);
    return;
  }
  if (command === '--version' || command === '-v') {
    console.log(await version());
    return;
  }
  if (!(command in COMMANDS)) throw new UsageError(`dcd-wasm: unknown command "${command}" (commands: info, bench, run; see dcd-wasm --help)`);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(HELP[command]);
    return;
  }
  await COMMANDS[command](args);
}

try {
  await main(process.argv.slice(2));
} catch (e) {
  // usage errors and library errors (typed, with a message naming the problem): one line
  console.error(e instanceof UsageError || e?.name?.endsWith('Error') ? e.message : String(e));
  process.exitCode = e instanceof UsageError ? 2 : 1;
}
