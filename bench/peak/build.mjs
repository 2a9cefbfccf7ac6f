// Compiles the peak kernels (AssemblyScript → build/bench/peak-*.wasm + .wat) and checks in the .wat
// that the timed loop touches no memory, so the figure measures arithmetic only.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
export const PEAK_VARIANTS = ['mul_add', 'relaxed_madd'];

export function peakWasmPath(variant) {
  return join(root, 'build', 'bench', `peak-${variant}.wasm`);
}

/** Builds both variants; throws if a loop body loads or stores. */
export function buildPeak() {
  const asc = join(root, 'node_modules', 'assemblyscript', 'bin', 'asc.js');
  for (const variant of PEAK_VARIANTS) {
    execFileSync(process.execPath, [asc, join(here, `${variant}.ts`), '--config', join(here, 'asconfig.json'), '--target', variant], {
      cwd: root, stdio: ['ignore', 'ignore', 'inherit'],
    });
    const wat = readFileSync(peakWasmPath(variant).replace(/\.wasm$/, '.wat'), 'utf8');
    const memoryOps = loopMemoryOps(wat);
    if (memoryOps.length) throw new Error(`peak-${variant}: the loop is not register-resident: ${memoryOps.join(', ')}`);
  }
}

/** The load/store instructions found between `loop` and its matching `end`/closing paren. */
export function loopMemoryOps(wat) {
  const start = wat.indexOf('(loop') >= 0 ? wat.indexOf('(loop') : wat.indexOf(' loop ');
  if (start < 0) throw new Error('peak: no loop found in the .wat');
  const body = wat.slice(start, loopEnd(wat, start));
  return body.match(/\b[\w.]*(load|store)[\w.]*/g) ?? [];
}

// binaryen prints `loop $label` … with nested folded forms; the loop ends where its indentation closes.
function loopEnd(wat, start) {
  const lineStart = wat.lastIndexOf('\n', start) + 1;
  const indent = start - lineStart;
  const lines = wat.slice(start).split('\n');
  let offset = start + lines[0].length + 1;
  for (const line of lines.slice(1)) {
    const lead = line.length - line.trimStart().length;
    if (lead <= indent && line.trim() !== '') return offset;
    offset += line.length + 1;
  }
  return wat.length;
}
