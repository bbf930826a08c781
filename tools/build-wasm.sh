#!/usr/bin/env bash
# Build the wasm shell and write the wasm-bindgen output to pkg/.
# Needs: rustup target wasm32-unknown-unknown, wasm-bindgen-cli of the same version as the
# wasm-bindgen crate (tools/setup.sh installs both). No wasm-opt: Debian's breaks the output
# and it did not make the gzip size or speed better (see README).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --target wasm32-unknown-unknown -p tlab-web "$@"
# The function-name section (792 KB, 10 % of the file) only names frames in a debugger's
# stack traces: measured with twiggy, dropping it changes neither the JS nor any answer.
wasm-bindgen "${CARGO_TARGET_DIR:-target}"/wasm32-unknown-unknown/release/tlab_web.wasm --out-dir pkg --target web --no-typescript \
  --remove-name-section --remove-producers-section
ls -l pkg/tlab_web_bg.wasm | awk '{printf "pkg/tlab_web_bg.wasm: %.2f MB\n", $5/1e6}'
