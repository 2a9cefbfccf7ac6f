/** A tiny static file server on 127.0.0.1 (random port) for the browser run; nothing outside `root`. */
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
};

/**
 * Serves `root`; `pages` maps URL paths to in-memory HTML; `headers` are added to every response.
 * Resolves to { url, close }.
 */
export function serveStatic(root, pages = {}, headers = {}) {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const send = (status, type, body) => {
      res.writeHead(status, { ...headers, 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (pages[path] !== undefined) return send(200, CONTENT_TYPES['.html'], pages[path]);
    const file = normalize(join(root, path));
    if (!file.startsWith(root.endsWith(sep) ? root : root + sep)) return send(403, 'text/plain', 'forbidden');
    try {
      const body = await readFile(file);
      send(200, CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', body);
    } catch {
      send(404, 'text/plain', `not found: ${path}`);
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise((done) => {
          server.closeAllConnections?.();
          server.close(() => done());
        }),
      });
    });
  });
}
