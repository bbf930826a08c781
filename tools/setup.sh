#!/usr/bin/env bash
# README command 1: install what is missing, build the wasm, prepare the default models and
# serve the demo on 127.0.0.1 (port: $PORT, default 8080).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
tools/build-wasm.sh
tools/prepare-models.sh
exec node www/serve.mjs --host 127.0.0.1 --port "${PORT:-8080}"
