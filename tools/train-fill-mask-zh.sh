#!/usr/bin/env bash
# Reproduce the Chinese fill-mask model (assets/fill-mask-zh/) from the registries.
#
#   tools/train-fill-mask-zh.sh         # ~13 h on 2 cores; rerun to resume an interrupted run
#
# 1. text: tools/corpus/poetry.sh (npm chinese-poetry 2.0.1 → simplified with OpenCC,
#    deduplicated, held-out poems listed in tools/corpus/poetry-heldout.txt; character
#    vocabulary and the traditional → simplified character map for the tokenizer).
# 2. tlab-train init: character tokenizer.json + a randomly initialised 4-layer BERT
#    (seed 2026) in data/zh/init.
# 3. tlab-train train, eight runs, each from the previous one's exported weights (f16, f32,
#    f16, f16, f16, f16, f16; the recipe below; checkpoints in data/runs/zh-mlm, zh-mlm-3 …
#    zh-mlm-9):
#    3 000 steps (seed 2026); 400 steps of a 3 600-step schedule cut off there (seed 2026
#    again, so it repeated the first run's first batches); 1 600 steps with seed 2027 (a new
#    data order); 2 800 steps with seed 2028 from the f16 weights the first three made (the
#    weights committed until then), fresh optimizer state; 3 000 steps with seed 2029 from
#    run 4's f16 export, the same way; 3 000 steps with seed 2030 from run 5's; 3 000 steps
#    with seed 2031 from run 6's; 3 000 steps with seed 2032 from run 7's.
# 4. tlab-train export → assets/fill-mask-zh (f16 safetensors, config, tokenizer,
#    golden.json, training.json: every run's settings and learning curve, since each export
#    carries on its encoder's list, and the whole held-out cloze score), then that score
#    again with the first held-out answers.
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
"$bin" export --encoder data/zh/init --run data/runs/zh-mlm --out data/zh/mlm1 --store f16 \
  --golden crates/train/data/golden-zh.txt
"$bin" train --encoder data/zh/mlm1 --corpus data/zh/train.txt \
  --cloze data/zh/cloze.txt --cloze-limit 2000 --run data/runs/zh-mlm-3 \
  --steps 3600 --batch 64 --max-len 128 --lr 5e-4 --warmup 100 \
  --eval-every 600 --save-every 100 --stop-at-step 400
"$bin" export --encoder data/zh/mlm1 --run data/runs/zh-mlm-3 --out data/zh/mlm3-400 --store f32 \
  --golden crates/train/data/golden-zh.txt
# Runs 3–6 share one schedule (peak 4.5e-4, linear decay to a tenth, fresh optimizer state):
# continue_run ENCODER RUN STEPS WARMUP SEED OUT [export options] trains data/runs/RUN from
# ENCODER's weights and exports it, f16, to OUT.
continue_run() {
  local encoder=$1 run=data/runs/$2 steps=$3 warmup=$4 seed=$5 out=$6
  shift 6
  "$bin" train --encoder "$encoder" --corpus data/zh/train.txt \
    --cloze data/zh/cloze.txt --cloze-limit 2000 --run "$run" \
    --steps "$steps" --batch 64 --max-len 128 --lr 4.5e-4 --warmup "$warmup" --seed "$seed" \
    --eval-every 400 --save-every 50 --max-minutes "${MAX_MINUTES:-180}"
  "$bin" export --encoder "$encoder" --run "$run" --out "$out" --store f16 \
    --golden crates/train/data/golden-zh.txt "$@"
}
continue_run data/zh/mlm3-400 zh-mlm-4 1600 20 2027 data/zh/mlm4
continue_run data/zh/mlm4 zh-mlm-5 2800 50 2028 data/zh/mlm5
continue_run data/zh/mlm5 zh-mlm-6 3000 50 2029 data/zh/mlm6
continue_run data/zh/mlm6 zh-mlm-7 3000 50 2030 data/zh/mlm7
continue_run data/zh/mlm7 zh-mlm-8 3000 50 2031 data/zh/mlm8
continue_run data/zh/mlm8 zh-mlm-9 3000 50 2032 assets/fill-mask-zh --cloze data/zh/cloze.txt
"$bin" eval --model assets/fill-mask-zh --cloze data/zh/cloze.txt --show 12
