#!/usr/bin/env node
// The long mode of the randomized suites (issue 13): thousands of fuzz cases, 10 000-call soaks,
// OOM at every allocation point of every op. Usage: node tools/fuzz.mjs [--seed N] [--relaxed]
// (CI runs the same files at CI size as part of the normal suites.)
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const seedAt = args.indexOf('--seed');
const env = { ...process.env, DCD_FUZZ: 'long', ...(seedAt >= 0 ? { DCD_FUZZ_SEED: args[seedAt + 1] } : {}) };
const flags = ['--expose-gc', ...(args.includes('--relaxed') ? ['--experimental-wasm-relaxed-simd'] : [])];
const files = ['tests/bindings/fuzz.test.ts', 'tests/bindings/guards.test.ts', 'tests/bindings/soak.test.ts', 'tests/bindings/extreme_geometry.test.ts'];
const run = spawnSync('npx', ['vitest', 'run', ...flags.map((f) => `--execArgv=${f}`), ...files], { stdio: 'inherit', env });
process.exit(run.status ?? 1);
