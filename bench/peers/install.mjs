// Installs the peers' packages into bench/peers/node_modules on first use (npm ci from the committed
// lock file), so the library's own install never pulls TensorFlow.js or ONNX Runtime.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const REQUIRED = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-cpu', 'onnxruntime-web'];

export function ensurePeersInstalled() {
  const missing = REQUIRED.filter((p) => !existsSync(join(here, 'node_modules', p, 'package.json')));
  if (!missing.length) return;
  console.log(`bench:peers: installing ${missing.join(', ')} into bench/peers/node_modules (first use)…`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  execFileSync(npm, ['ci', '--prefix', here, '--no-audit', '--no-fund'], { stdio: 'inherit' });
}
