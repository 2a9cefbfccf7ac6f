/**
 * Starts one worker running `source` in this runtime: node:worker_threads (eval'd source) where
 * process.getBuiltinModule exists (Node ≥ 20.16, Deno 2), else a Web Worker from a Blob URL
 * (browsers; module type). worker_threads is preferred in Deno too: its workers can be unref()'d,
 * so a pool the user never disposes doesn't keep the process alive (Deno's Web Workers do).
 */
import { nodeProcess } from './support';

export interface WorkerHandle {
  post(message: unknown): void;
  /** Called once with the worker's first message, or with an Error if it fails to start. */
  onFirstMessage(callback: (message: unknown, error?: Error) => void): void;
  terminate(): void;
}

interface NodeWorker {
  postMessage(m: unknown): void;
  once(event: string, cb: (arg: unknown) => void): void;
  unref(): void;
  terminate(): Promise<number>;
}
type NodeWorkerCtor = new (src: string, options: { eval: boolean; name?: string }) => NodeWorker;

export function spawnWorker(source: string, name: string): WorkerHandle {
  const node = nodeProcess();
  if (node) {
    const { Worker: NodeWorker } = node.getBuiltinModule!('node:worker_threads') as { Worker: NodeWorkerCtor };
    const w = new NodeWorker(source, { eval: true, name });
    // An idle pool must not keep the process alive (if the user never calls dispose()).
    w.unref();
    return {
      post: (m) => w.postMessage(m),
      onFirstMessage(callback) {
        let settled = false;
        const once = (m: unknown, e?: Error) => { if (!settled) { settled = true; callback(m, e); } };
        w.once('message', (m) => once(m));
        w.once('error', (e) => once(undefined, e as Error));
        w.once('exit', (code) => once(undefined, new Error(`worker exited with code ${String(code)}`)));
      },
      terminate: () => { void w.terminate(); },
    };
  }
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  // The URL is revoked once the worker has answered (it has loaded its script by then).
  const w = new Worker(url, { type: 'module', name });
  return {
    post: (m) => w.postMessage(m),
    onFirstMessage(callback) {
      let settled = false;
      const once = (m: unknown, e?: Error) => {
        if (settled) return;
        settled = true;
        URL.revokeObjectURL(url);
        callback(m, e);
      };
      w.addEventListener('message', (ev) => once(ev.data), { once: true });
      w.addEventListener('error', (ev) => {
        ev.preventDefault?.();
        once(undefined, new Error((ev as ErrorEvent).message || 'worker failed to start'));
      }, { once: true });
      w.addEventListener('messageerror', () => once(undefined, new Error('worker could not receive the module')), { once: true });
    },
    terminate: () => { URL.revokeObjectURL(url); w.terminate(); },
  };
}
