#!/usr/bin/env bash
# Reproduce assets/gpt-poetry, the poetry GPT-2 trained here (see its MODEL_CARD.md).
# Never run in CI. On the 2-core build machine: about 100 minutes; resumable (run it again
# after a stop and the run continues from its last checkpoint, every 50 steps).
#
# 1. tools/corpus/poetry.sh: npm chinese-poetry 2.0.1 → data/zh/poems.jsonl (OpenCC-simplified,
#    deduplicated, split by poem with the held-out keys in tools/corpus/poetry-heldout.txt).
# 2. tlab-train gpt-init: a GPT-2 (4 layers, 256 wide, 4 heads, 128 positions) on the Chinese
#    BERT's character tokenizer (assets/fill-mask-zh/tokenizer.json: one tokenizer for both),
#    [CLS] as bos, [SEP] as eos, GPT-2's initialisation.
# 3. tlab-train gpt: next-token prediction over windows of 128 tokens of the training poems
#    (each `[CLS] (《title》) text [SEP]`), batch 32, AdamW, peak lr 1e-3, warm-up 100 steps,
#    linear decay over 1600 steps (MAX_MINUTES cuts it short; the run resumes).
# 4. tlab-train gpt-export → assets/gpt-poetry (f16 safetensors, config, tokenizer,
#    training.json with the learning curve and the whole held-out split's perplexity), then
#    tlab-train gpt-eval: line-length keeping on 200 held-out first lines.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/corpus/poetry.sh
cargo build --release -q -p tlab-train
bin="${CARGO_TARGET_DIR:-target}"/release/tlab-train
if [ ! -f data/zh/gpt-init/model.safetensors ]; then
  "$bin" gpt-init --tokenizer-from assets/fill-mask-zh --out data/zh/gpt-init \
    --n-embd 256 --n-layer 4 --n-head 4 --n-positions 128 --seed 2026
fi
"$bin" gpt --model data/zh/gpt-init --poems data/zh/poems.jsonl --run data/runs/gpt-zh \
  --steps 1600 --batch 32 --seq-len 128 --lr 1e-3 --warmup 100 \
  --eval-every 200 --save-every 50 --max-minutes "${MAX_MINUTES:-100}"
"$bin" gpt-export --model data/zh/gpt-init --run data/runs/gpt-zh --out assets/gpt-poetry \
  --poems data/zh/poems.jsonl
"$bin" gpt-eval --model assets/gpt-poetry --poems data/zh/poems.jsonl --prompts 200 --show 5
