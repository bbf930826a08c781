#!/usr/bin/env bash
# Build the wasm shell and write the wasm-bindgen output to pkg/.
# Needs: rustup target wasm32-unknown-unknown, wasm-bindgen-cli of the same version as the
# wasm-bindgen crate (tools/setup.sh installs both). No wasm-opt: Debian's breaks the output
# and it did not make the gzip size or speed better (see README).
set -euo pipefail
cd "$(dirname "$0")/.."
# The `wasm` profile (Cargo.toml): size-optimised, fat LTO, one codegen unit, except Burn's
# tensor crates and the matrix kernels, kept at opt-level 3: 7.06 → 6.24 MB (gzip 1.90 →
# 1.67 MB), fill-mask and translation as fast (README, "Backend and speed"). All of it at
# opt-level "s" gave 5.20 MB but greedy translation ~7 % slower.
cargo build --profile wasm --target wasm32-unknown-unknown -p tlab-web "$@"
# The function-name section (792 KB, 10 % of the file) only names frames in a debugger's
# stack traces: measured with twiggy, dropping it changes neither the JS nor any answer.
wasm-bindgen "${CARGO_TARGET_DIR:-target}"/wasm32-unknown-unknown/wasm/tlab_web.wasm --out-dir pkg --target web --no-typescript \
  --remove-name-section --remove-producers-section
ls -l pkg/tlab_web_bg.wasm | awk '{printf "pkg/tlab_web_bg.wasm: %.2f MB\n", $5/1e6}'
