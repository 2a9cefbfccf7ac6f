/**
 * Starts Cloudflare's workerd on 127.0.0.1 (a free port) serving tests/edge/worker.js with the built
 * dist/, and stops it. The binary is called directly, not through the npm `.bin` shim, which leaves
 * an orphan process when killed (docs: /work/shared/NOTES.md).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const WORKERD_BIN = 'node_modules/@cloudflare/workerd-linux-64/bin/workerd';

/** Files the worker needs, by module name; names keep the repo layout so relative imports resolve. */
const MODULES = [
  ['tests/edge/worker.js', 'esModule'], // first = the main module
  ['tests/edge/cases.js', 'esModule'],
  ['dist/index.js', 'esModule'],
  ['dist/dcd-simd.wasm', 'wasm'],
];

function capnpConfig(port) {
  const modules = MODULES.map(([name, type]) => `    (name = "${name}", ${type} = embed "${name}")`).join(',\n');
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [
${modules}
  ],
  compatibilityDate = "2025-09-01",
);
`;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const canConnect = (port) => new Promise((resolve) => {
  const socket = createConnection({ host: '127.0.0.1', port });
  socket.once('connect', () => { socket.destroy(); resolve(true); });
  socket.once('error', () => resolve(false));
});

/** Polls until workerd accepts connections; rejects if it exits first or the deadline passes. */
async function waitUntilListening(child, port, timeoutMs, log) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`workerd exited (${child.exitCode ?? child.signalCode}) before listening:\n${log()}`);
    }
    if (await canConnect(port)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`workerd did not listen on port ${port} within ${timeoutMs / 1000} s:\n${log()}`);
}

/**
 * Copies the worker's files into a temp dir, writes the config there and starts workerd.
 * Resolves to { url, log(), stop() }; stop() kills workerd and removes the temp dir (safe to call twice).
 */
export async function startWorkerd(repoRoot, { startTimeoutMs = 30_000 } = {}) {
  // Sync, so the exit hook below is registered before anything else can run.
  const dir = mkdtempSync(join(tmpdir(), 'dcd-workerd-'));
  let child = null;
  let output = '';
  // If this Node process exits without reaching stop() (watchdog, crash), leave nothing behind.
  const cleanUpOnExit = () => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', cleanUpOnExit);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', cleanUpOnExit);
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  const log = () => output.trim() || '(workerd printed nothing)';

  try {
    for (const [name] of MODULES) {
      await mkdir(join(dir, dirname(name)), { recursive: true });
      await copyFile(join(repoRoot, name), join(dir, name));
    }
    const port = await freePort();
    await writeFile(join(dir, 'config.capnp'), capnpConfig(port));
    child = spawn(join(repoRoot, WORKERD_BIN), ['serve', 'config.capnp', '--verbose'], {
      cwd: dir, stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    const spawnError = new Promise((_, reject) => child.once('error', reject));
    await Promise.race([waitUntilListening(child, port, startTimeoutMs, log), spawnError]);
    return { url: `http://127.0.0.1:${port}`, log, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
