#!/usr/bin/env node
/**
 * Guards the threads build (build/wasm/dcd-threads.wasm): every thread instantiates it on the same
 * shared memory, so it must have no data segments (each instantiation would rewrite them while
 * other threads run) and must import a shared memory. Run by `npm run build:wasm`; exits 1 with
 * the reason otherwise. AssemblyScript emits segments for static objects: arrow-function
 * constants, memory.data(…) with content, Mathf.exp's table at shrinkLevel 0
 * (the kernels use assembly/nn/exp.ts instead).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const path = process.argv[2] ?? fileURLToPath(new URL('../build/wasm/dcd-threads.wasm', import.meta.url));
const bytes = readFileSync(path);

function leb(at) {
  let value = 0, shift = 0, b;
  do {
    b = bytes[at.i++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return value;
}

const DATA = 11;
const problems = [];
for (const at = { i: 8 }; at.i < bytes.length;) {
  const id = bytes[at.i++];
  const size = leb(at);
  const end = at.i + size;
  if (id === DATA) {
    const count = leb(at);
    if (count > 0) problems.push(`${count} data segment(s)`);
  }
  at.i = end;
}
const memory = WebAssembly.Module.imports(new WebAssembly.Module(bytes)).find((i) => i.kind === 'memory');
if (!memory) problems.push('no imported memory (build it with importMemory + sharedMemory)');
if (problems.length) {
  console.error(`${path}: not usable by threads: ${problems.join('; ')}. See tools/check-threads-wasm.mjs.`);
  process.exit(1);
}
console.log(`${path}: no data segments, imports its memory`);
