#!/usr/bin/env node
// The dcd-wasm command line (`npx dcd-wasm …`). Bad arguments: one line on stderr, exit 2.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const HELP = {
  main: `usage: dcd-wasm <command> [options]

commands:
  info                         this runtime's WebAssembly support (SIMD, relaxed SIMD, threads),
                               the build init() picks, and how long init() takes
  bench [options]              the library benchmark: conv2d, dynamic conv and DCD layers, every
                               backend side by side (dcd-wasm bench --help)
  run <model.safetensors> <image.ppm|pgm> [--network NAME] [--labels FILE] [--top K]
                               classify an image with a network whose weights a safetensors file holds

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
  run: `usage: dcd-wasm run <model.safetensors> <image.ppm|image.pgm> [--network NAME] [--labels FILE] [--top K]

The top-K (default 5) classes of an image. The network is named by --network (resnet18_dcd … resnet152_dcd,
mobilenetv2_dcd, resnet18 … resnet152, mobilenet_v2, resnet18_dy …, mobilenetv2_dy, smallCnn) or, for a
file written by \`npm run train\`, read from its metadata; its class count comes from the weights. The
weights load strictly by PyTorch name (convert a .pth with tools/convert_checkpoint.py). The image is a
binary PPM (P6) or PGM (P5): ImageNet networks resize it to 256 and crop 224 with ImageNet's mean / std;
smallCnn takes it grey at 28×28 with the normalisation stored in the file.
  --labels FILE   one class name per line (else the file's metadata, else class indices)`,
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

async function run(args) {
  const positional = [], flags = {};
  for (let i = 0; i < args.length; i++) {
    if (args[i].startsWith('--')) {
      if (!['--network', '--labels', '--top'].includes(args[i]) || i + 1 >= args.length) {
        throw new UsageError(`dcd-wasm run: unknown option or missing value "${args[i]}" (see dcd-wasm run --help)`);
      }
      flags[args[i].slice(2)] = args[++i];
    } else positional.push(args[i]);
  }
  if (positional.length !== 2) throw new UsageError('dcd-wasm run: expected <model.safetensors> <image> (see dcd-wasm run --help)');
  const [weightsPath, imagePath] = positional;
  for (const f of [weightsPath, imagePath, flags.labels].filter(Boolean)) {
    if (!existsSync(f)) throw new UsageError(`dcd-wasm run: no such file: ${f}`);
  }
  const top = flags.top === undefined ? 5 : Number(flags.top);
  if (!Number.isInteger(top) || top < 1) throw new UsageError(`dcd-wasm run: --top must be an integer >= 1, got "${flags.top}"`);
  const dcd = await import('../dist/index.js');
  const bytes = readFileSync(weightsPath);
  const { metadata } = dcd.readSafetensors(bytes);
  const state = dcd.stateDictFromSafetensors(bytes);
  const small = (flags.network ?? (metadata.description?.includes('smallCnn') ? 'smallCnn' : undefined)) === 'smallCnn';
  const name = small ? 'smallCnn' : flags.network;
  if (!name) throw new UsageError('dcd-wasm run: say which network the weights are for with --network NAME (see dcd-wasm run --help)');
  if (typeof dcd[name] !== 'function' || !/^(resnet\d+(_dcd|_dy)?|mobilenetv2_d(cd|y)|mobilenet_v2|smallCnn)$/.test(name)) {
    throw new UsageError(`dcd-wasm run: unknown network "${name}" (see dcd-wasm run --help)`);
  }
  // The class count is the classifier's: the last 2-D weight of the state dict.
  const classifier = Object.entries(state).filter(([k, t]) => t.shape.length === 2 && /(fc|cls|classifier\.\d+)\.weight$/.test(k)).at(-1);
  const numClasses = classifier ? classifier[1].shape[0] : 1000;
  const m = await dcd.init();
  const net = (small ? dcd.smallCnn(m, { variant: 'dcd', numClasses }) : dcd[name](m, { numClasses })).loadStateDict(state, { strict: true }).eval();
  const image = dcd.decodePnm(readFileSync(imagePath));
  let input;
  if (small) {
    const { mean, std } = JSON.parse(metadata.normalisation ?? '{"mean":[0],"std":[1]}');
    const grey = image.channels === 1 ? image.data : Uint8Array.from({ length: image.width * image.height }, (_, i) =>
      Math.round((image.data[3 * i] + image.data[3 * i + 1] + image.data[3 * i + 2]) / 3));
    if (image.width !== 28 || image.height !== 28) throw new UsageError(`dcd-wasm run: smallCnn takes 28×28 images, got ${image.width}×${image.height}`);
    input = { shape: [1, 1, 28, 28], data: Float32Array.from(grey, (p) => (p / 255 - mean[0]) / std[0]) };
  } else {
    const rgb = image.channels === 3 ? image.data : Uint8Array.from({ length: image.data.length * 3 }, (_, i) => image.data[Math.floor(i / 3)]);
    input = dcd.imageToTensorData(rgb, { width: image.width, height: image.height, channels: 3, resize: 256, centerCrop: 224 });
  }
  const labels = flags.labels ? dcd.parseLabels(readFileSync(flags.labels, 'utf8')) : metadata.classes?.split(',');
  const t0 = performance.now();
  const logits = m.scope(() => net.forward(m.tensor(input.data, input.shape)).toFloat32Array());
  const ms = performance.now() - t0;
  if (!logits.every(Number.isFinite)) {
    throw new Error(`dcd-wasm run: ${name} gives non-finite outputs on this image: are the weights trained, with BatchNorm statistics from data like this image?`);
  }
  const rows = dcd.topK(dcd.softmax({ shape: [1, logits.length], data: logits }), Math.min(top, logits.length), labels)[0];
  console.log(`${name} on ${imagePath} (${m.info().backend}, ${ms.toFixed(1)} ms):`);
  for (const r of rows) console.log(`  ${(100 * r.probability).toFixed(2).padStart(6)}%  ${r.label}`);
  net.dispose();
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
