#!/usr/bin/env bash
# Development build of every wasm target at -O0 (~10 s each instead of ~2-3 min at -O3 + converge):
# for correctness work only — never benchmark it. `npm run build` makes the release builds.
# The threads builds are -O1 (-O0 leaves data segments a shared-memory build must not have).
set -euo pipefail
cd "$(dirname "$0")/.."
node tools/build-wasm.mjs --dev "$@"
