#!/usr/bin/env bash
# Development build of every wasm target at -O0 (~10 s each instead of ~2-3 min at -O3 + converge):
# for correctness work only — never benchmark it. `npm run build` makes the release builds.
set -euo pipefail
cd "$(dirname "$0")/.."
for t in simd scalar relaxed threads; do
  # threads: -O1, since -O0 leaves data segments the shared-memory build must not have
  npx asc --config asconfig.json --target "$t" "$([ "$t" = threads ] && echo -O1 || echo -O0)" &
done
wait
node tools/check-threads-wasm.mjs
