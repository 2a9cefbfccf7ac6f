/**
 * Checks examples/cloudflare-worker as a user would call it, so the published example cannot rot:
 * GET runs the built-in input, POST a user tensor, and a wrong shape gets a 400 with the typed error.
 * (Its numbers are plain conv2d, which the tests/edge worker already compares with the js backend.)
 */
async function call(url, body) {
  const res = await fetch(url, {
    method: body ? 'POST' : 'GET',
    body: body && JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, json: await res.json() };
}

const finite = (data) => Array.isArray(data) && data.length > 0 && data.every(Number.isFinite);
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** name → async (url) → list of problems. */
export const EXAMPLE_CHECKS = {
  async 'GET runs the built-in input on wasm-simd'(url) {
    const { status, json } = await call(url);
    const ok = status === 200 && json.backend === 'wasm-simd' && same(json.shape, [1, 4, 4, 4]) && finite(json.data);
    return ok ? [] : [`got ${status} ${JSON.stringify(json).slice(0, 300)}`];
  },
  async 'POST convolves the given tensor'(url) {
    const input = { shape: [2, 3, 5, 6], data: Array.from({ length: 180 }, (_, i) => Math.cos(i)) };
    const { status, json } = await call(url, input);
    const ok = status === 200 && same(json.shape, [2, 4, 5, 6]) && finite(json.data) && json.data.length === 240;
    return ok ? [] : [`got ${status} ${JSON.stringify(json).slice(0, 300)}`];
  },
  async 'a wrong channel count is a 400 with code E_SHAPE'(url) {
    const { status, json } = await call(url, { shape: [1, 2, 2, 2], data: [1, 2, 3, 4, 5, 6, 7, 8] });
    return status === 400 && json.code === 'E_SHAPE' ? [] : [`got ${status} ${JSON.stringify(json)}`];
  },
};
