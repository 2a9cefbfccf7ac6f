# Runs worker.js in workerd itself (no wrangler), straight from this checkout after `npm run build`:
#   node_modules/@cloudflare/workerd-linux-64/bin/workerd serve examples/cloudflare-worker/config.capnp
#   curl http://127.0.0.1:8787/
# The module names "dcd-wasm/slim" and "dcd-wasm/dcd-simd.wasm" stand in for the npm package, so worker.js
# is exactly what you would deploy.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:8787", http = (), service = "main") ],
);

const worker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "dcd-wasm/slim", esModule = embed "../../dist/slim.js"),
    (name = "dcd-wasm/dcd-simd.wasm", wasm = embed "../../dist/dcd-simd.wasm"),
  ],
  compatibilityDate = "2025-09-01",
);
