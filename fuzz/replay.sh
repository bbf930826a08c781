#!/usr/bin/env bash
# Runs every saved reproducer in fuzz/regressions/<target>/ once through its target; exits
# non-zero on the first one that still crashes. fuzz/replay.sh [TARGET…]
set -euo pipefail
cd "$(dirname "$0")"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(safetensors marian_bin shortlist config tokenizer)
for t in "${targets[@]}"; do
  files=(regressions/"$t"/*)
  [ -e "${files[0]}" ] || continue
  echo "== $t: ${#files[@]} reproducer(s)"
  cargo +nightly fuzz run "$t" -O -s "${SANITIZER:-address}" \
    --target-dir "$([ "${SANITIZER:-address}" = address ] && echo target || echo "target-${SANITIZER}")" \
    "${files[@]}" -- -rss_limit_mb=4096 -malloc_limit_mb=1024 -timeout=10
done
echo "all reproducers ran without a crash"
