window.__result = new Promise((resolve) => {
  const worker = new Worker(new URL('worker-slim.js', location.href), { type: 'module' });
  worker.onmessage = (e) => resolve({ ...e.data, inWorker: true });
  worker.onerror = (e) => resolve({ error: `worker: ${e.message}` });
});
