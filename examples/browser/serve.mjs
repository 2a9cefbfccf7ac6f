#!/usr/bin/env node
// Serves the repo root on 127.0.0.1 (a free port) so the browser demo can import ../../dist/slim.js and
// fetch the .wasm builds and examples/data/. Any static server does the same if it sends .wasm as
// application/wasm.
//
//   npm run build && node examples/browser/serve.mjs
import { fileURLToPath } from 'node:url';
import { serveStatic } from '../../tests/runners/static-server.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const server = await serveStatic(ROOT);
console.log(`open ${server.url}/examples/browser/index.html  (Ctrl+C to stop)`);
