/**
 * Starts Cloudflare's workerd on 127.0.0.1 (a free port) serving tests/edge/worker.js or the
 * examples/cloudflare-worker example with the built dist/, and stops it. The binary is called directly, not through the npm `.bin` shim, which leaves
 * an orphan process when killed (docs: /work/shared/NOTES.md).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
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

const moduleList = MODULES.map(([name, type]) => `    (name = "${name}", ${type} = embed "${name}")`).join(',\n');

/** The address is a placeholder: launch() moves the socket to a free port with --socket-addr. */
const TEST_CONFIG = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [
${moduleList}
  ],
  compatibilityDate = "2025-09-01",
);
`;

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
 * Starts `workerd serve <configFile>` with its socket "http" moved to 127.0.0.1:<free port>.
 * Resolves to { url, log(), stop() }; stop() kills workerd and removes `tempDir` if given (safe twice).
 * `prepare(dir)` runs first (e.g. to fill tempDir), inside the same cleanup guard.
 */
async function launch(repoRoot, { configFile, cwd, tempDir, prepare, startTimeoutMs = 30_000 }) {
  let child = null;
  let output = '';
  const removeTemp = () => tempDir && rmSync(tempDir, { recursive: true, force: true });
  // If this Node process exits without reaching stop() (watchdog, crash), leave nothing behind.
  const cleanUpOnExit = () => {
    child?.kill('SIGKILL');
    removeTemp();
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
    removeTemp();
  };
  const log = () => output.trim() || '(workerd printed nothing)';

  try {
    await prepare?.();
    const port = await freePort();
    child = spawn(join(repoRoot, WORKERD_BIN), ['serve', configFile, '--verbose', `--socket-addr=http=127.0.0.1:${port}`], {
      cwd, stdio: ['ignore', 'pipe', 'pipe'],
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

/** Serves tests/edge/worker.js: copies its modules from the checkout into a temp dir with a config. */
export function startTestWorker(repoRoot) {
  // Sync, so launch() registers its exit hook before anything else can run.
  const dir = mkdtempSync(join(tmpdir(), 'dcd-workerd-'));
  const prepare = async () => {
    for (const [name] of MODULES) {
      await mkdir(join(dir, dirname(name)), { recursive: true });
      await copyFile(join(repoRoot, name), join(dir, name));
    }
    await writeFile(join(dir, 'config.capnp'), TEST_CONFIG);
  };
  return launch(repoRoot, { configFile: 'config.capnp', cwd: dir, tempDir: dir, prepare });
}

/** Serves examples/cloudflare-worker with its own config.capnp, as the example tells users to. */
export function startExampleWorker(repoRoot) {
  return launch(repoRoot, { configFile: 'examples/cloudflare-worker/config.capnp', cwd: repoRoot });
}
