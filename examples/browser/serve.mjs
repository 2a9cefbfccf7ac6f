#!/usr/bin/env node
// A tiny static server for the browser example: serves the repo root on 127.0.0.1 so the page can
// import ../../dist/index.js. Any static server does the same; .wasm must be sent as application/wasm
// for WebAssembly.compileStreaming.
//
//   npm run build && node examples/browser/serve.mjs        (PORT=0 picks a free port)
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PAGE = '/examples/browser/index.html';
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
};

export function serve(port = 8080) {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    const file = normalize(join(ROOT, path === '/' ? PAGE : path));
    // Serve only the built library and the examples, never anything else in the checkout.
    const allowed = ['dist', 'examples'].some((dir) => file.startsWith(join(ROOT, dir) + sep));
    try {
      if (!allowed) throw new Error('outside dist/ and examples/');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end(`not found: ${path}`);
    }
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

// Run directly (not imported by check.mjs): serve until Ctrl+C.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const server = await serve(Number(process.env.PORT ?? 8080));
  console.log(`open http://127.0.0.1:${server.address().port}/  (Ctrl+C to stop)`);
}
