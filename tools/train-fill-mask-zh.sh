#!/usr/bin/env bash
# Reproduce the Chinese fill-mask model (assets/fill-mask-zh/) from the registries.
#
#   tools/train-fill-mask-zh.sh         # ~95 min on 2 cores; rerun to resume an interrupted run
#
# 1. text: tools/corpus/poetry.sh (npm chinese-poetry 2.0.1 → simplified with OpenCC,
#    deduplicated, held-out poems listed in tools/corpus/poetry-heldout.txt; character
#    vocabulary and the traditional → simplified character map for the tokenizer).
# 2. tlab-train init: character tokenizer.json + a randomly initialised 4-layer BERT
#    (seed 2026) in data/zh/init.
# 3. tlab-train train: the recipe below (seed 2026), checkpoints in data/runs/zh-mlm.
# 4. tlab-train export → assets/fill-mask-zh (f16 safetensors, config, tokenizer,
#    golden.json, training.json with the learning curve), then the held-out cloze score.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/corpus/poetry.sh
cargo build --release -q -p tlab-train
bin="${CARGO_TARGET_DIR:-target}"/release/tlab-train
if [ ! -f data/zh/init/model.safetensors ]; then
  "$bin" init --vocab data/zh/vocab.txt --charsmap data/zh/charsmap.bin --out data/zh/init \
    --hidden-size 256 --num-hidden-layers 4 --num-attention-heads 4 --intermediate-size 1024 \
    --max-position-embeddings 128 --seed 2026
fi
"$bin" train --encoder data/zh/init --corpus data/zh/train.txt \
  --cloze data/zh/cloze.txt --cloze-limit 2000 --run data/runs/zh-mlm \
  --steps 3000 --batch 64 --max-len 128 --lr 7e-4 --warmup 300 \
  --eval-every 500 --save-every 100 --max-minutes "${MAX_MINUTES:-180}"
"$bin" export --encoder data/zh/init --run data/runs/zh-mlm --out assets/fill-mask-zh \
  --golden crates/train/data/golden-zh.txt
"$bin" eval --model assets/fill-mask-zh --cloze data/zh/cloze.txt --show 12
