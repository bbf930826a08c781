#!/usr/bin/env bash
# Build the wasm three ways and run the browser benchmark on each: burn-flex with +simd128
# (the shipped build), burn-ndarray with +simd128, and burn-flex without +simd128.
# Each variant builds in its own target directory (a cold build takes minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f models/bench-minilm/model.safetensors ] || { echo "run tools/make_bench_model.py first" >&2; exit 1; }
variant() {  # name, cargo features, RUSTFLAGS
  local name=$1 features=$2 flags=$3
  CARGO_TARGET_DIR=target-$name RUSTFLAGS="$flags" \
    cargo build --release --target wasm32-unknown-unknown -p tlab-web $features
  wasm-bindgen target-$name/wasm32-unknown-unknown/release/tlab_web.wasm --out-dir pkg-$name --target web --no-typescript
  echo "### $name ($(du -b pkg-$name/tlab_web_bg.wasm | awk '{printf "%.2f MB", $1/1e6}'))"
  TLAB_PKG=pkg-$name node tools/bench-browser.mjs "$@"
}
wasm_cfg='--cfg getrandom_backend="wasm_js"'
variant flex-simd128 "" "-C target-feature=+simd128 $wasm_cfg"
variant ndarray-simd128 "--features ndarray" "-C target-feature=+simd128 $wasm_cfg"
variant flex-nosimd "" "$wasm_cfg"
