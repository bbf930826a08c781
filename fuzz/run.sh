#!/usr/bin/env bash
# Runs one fuzz target with the settings fuzz/README.md explains.
#   fuzz/run.sh TARGET [SECONDS] [extra libFuzzer flags…]
# SECONDS defaults to 60 (a smoke run); 0 runs until stopped or a crash.
# Environment: SANITIZER=address (default) or none; FULL=1 lets the safetensors target
# mutate the full-size fixture weights (-max_len 1 MiB, much slower) instead of 64 KiB.
set -euo pipefail
cd "$(dirname "$0")"
target=${1:?usage: fuzz/run.sh TARGET [SECONDS] [libFuzzer flags]}
secs=${2:-60}
shift $(( $# >= 2 ? 2 : 1 ))
case $target in
  safetensors) max_len=$([ "${FULL:-0}" = 1 ] && echo 1048576 || echo 65536) ;;
  marian_bin) max_len=32768 ;;
  shortlist) max_len=8192 ;;
  config) max_len=4096 ;;
  tokenizer) max_len=16384 ;;
  *) echo "unknown target $target (safetensors marian_bin shortlist config tokenizer)" >&2; exit 2 ;;
esac
[ -d "corpus/$target" ] || ./seed.sh >/dev/null
sanitizer=${SANITIZER:-address}
target_dir=target
[ "$sanitizer" = address ] || target_dir="target-$sanitizer"
exec cargo +nightly fuzz run "$target" -O -s "$sanitizer" --target-dir "$target_dir" \
  "corpus/$target" -- \
  -dict="$PWD/dict/$target.dict" -max_len="$max_len" \
  -rss_limit_mb=4096 -malloc_limit_mb=1024 -timeout=10 \
  -max_total_time="$secs" -print_final_stats=1 "$@"
