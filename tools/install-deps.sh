#!/usr/bin/env bash
# Install what building, serving and testing need, skipping what is already there.
# Everything comes from the package registries by name (rustup target, crates.io, npm, apt).
set -euo pipefail
cd "$(dirname "$0")/.."
want_browser=${1:-}

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi
# The CLI must match the wasm-bindgen crate exactly (pinned with `=` in Cargo.toml).
wb_version=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)"/\1/p' Cargo.toml)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wb_version" ]; then
  cargo install wasm-bindgen-cli --version "=$wb_version"
fi
if [ ! -d www/node_modules/playwright-core ] && [ "$want_browser" = "--browser" ]; then
  (cd www && npm ci --no-audit --no-fund)
fi
if [ "$want_browser" = "--browser" ] && [ ! -x /usr/bin/chromium ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
fi
# Hugo renders the lecture shortcodes in www/e2e/hugo.test.mjs.
if [ "$want_browser" = "--browser" ] && ! command -v hugo >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq hugo >/dev/null || { apt-get update -qq && apt-get install -y -qq hugo >/dev/null; }
fi
