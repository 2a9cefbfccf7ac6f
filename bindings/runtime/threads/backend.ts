/** The Backend a threaded init returns: info() reports the threads, dispose() ends the workers. */
import type { Backend } from '../../backend';
import type { ThreadPool } from './pool';

export function withThreads(backend: Backend, pool: ThreadPool | null, note: string | undefined): Backend {
  if (!pool && !note) return backend;
  return {
    ...backend,
    info: () => ({
      ...backend.info(),
      // after dispose() every op runs on the calling thread
      threads: pool ? pool.workers + 1 : 1,
      ...(note ? { threadsNote: note } : {}),
    }),
    dispose() {
      pool?.dispose();
      backend.dispose();
    },
  };
}
