#!/usr/bin/env bash
# Continue training the Chinese fill-mask model on one GPU (Vulkan), inside a fixed time budget.
#
#   cargo build --release -p tlab-train --features vulkan    # where it is built
#   tools/gpu/train-fill-mask-zh.sh BIN ENCODER CORPUS CLOZE GOLDEN OUT SECONDS [SEED]
#
# BIN: that tlab-train. ENCODER: the model to continue from (assets/fill-mask-zh). CORPUS:
# data/zh/train.txt, or the same xz-compressed. CLOZE: data/zh/cloze.txt. GOLDEN:
# crates/train/data/golden-zh.txt. OUT: where the exported model (f16), the run's
# checkpoint and the logs go. SECONDS: wall-clock budget for everything here.
#
# The schedule's length is set by measurement: a short run on the first lines of the corpus
# times a step at the real batch size, and the real run gets as many steps as fit, so its
# learning rate decays to the end instead of being cut off. `--max-minutes` stays as the
# hard stop. Every batch is padded to 128 (`--fixed-length`), so kernels are compiled and tuned
# for one shape. Measured on an H200: each process first spends about 160 s compiling and
# tuning (the first 20 steps), then 0.15–0.3 s per step of 256 (110 000 tokens/s); give it
# 10 minutes or more, and skip the timing run there (it pays the warm-up a second time):
#   SECONDS_PER_STEP=0.25 RESERVE=240 tools/gpu/train-fill-mask-zh.sh … 570
# The machine needs the GPU's Vulkan driver and a Vulkan loader (libvulkan.so.1);
# where the driver's ICD file is not found by itself, set VK_DRIVER_FILES.
set -uo pipefail
[ $# -ge 7 ] || { sed -n 2,22p "$0"; exit 2; }
bin=$1 encoder=$2 corpus=$3 cloze=$4 golden=$5 out=$6 budget=$7 seed=${8:-2028}
batch=${BATCH:-256} lr=${LR:-6e-4} warmup=${WARMUP:-200}
t0=$(date +%s)
mkdir -p "$out"
work=$(mktemp -d)

nvidia-smi -L 2>/dev/null || true

case $corpus in
  *.xz) xz -dc "$corpus" >"$work/train.txt" 2>/dev/null ||
    python3 -c 'import lzma,sys; sys.stdout.buffer.write(lzma.open(sys.argv[1]).read())' \
      "$corpus" >"$work/train.txt" ;;
  *) cp "$corpus" "$work/train.txt" ;;
esac
head -n 20000 "$work/train.txt" >"$work/smoke.txt"

# Every log line gets the time it was written, to measure the step time.
stamp() { while IFS= read -r line; do printf '%s %s\n' "$(date +%s.%N)" "$line"; done; }

# Seconds per step at the real batch size, from steps 40 → 100 of a short run (the first ones
# compile and tune the kernels); fails unless the loss stays finite and plausible.
smoke() {
  rm -rf "$work/smoke"
  "$bin" train --encoder "$encoder" --corpus "$work/smoke.txt" --cloze "$cloze" \
    --cloze-limit 200 --run "$work/smoke" --steps 100 --batch "$batch" --max-len 128 \
    --lr 1e-5 --warmup 10 --seed "$seed" --eval-every 1000000 --save-every 1000000 \
    --fixed-length 2>&1 | stamp | tee "$out/smoke-$BURN_DEVICE.log" >&2
  python3 - "$out/smoke-$BURN_DEVICE.log" <<'EOF'
import re, sys
t = {}
for line in open(sys.argv[1]):
    m = re.match(r"(\S+) step (\d+)/\d+ \| loss (\S+)", line)
    if m:
        t[int(m[2])] = (float(m[1]), float(m[3]))
if 100 not in t or 40 not in t or not all(l == l and l < 9 for _, l in t.values()):
    sys.exit("the smoke run did not finish with a finite loss")
print((t[100][0] - t[40][0]) / 60)
EOF
}
# Burn's own SPIR-V compiler first (vulkan), then its WGSL path (wgpu, over Vulkan too).
# SECONDS_PER_STEP, when known from an earlier run, skips this (and the fallback).
per_step=${SECONDS_PER_STEP:-}
for BURN_DEVICE in ${DEVICES:-vulkan wgpu}; do
  export BURN_DEVICE
  [ -n "$per_step" ] && break
  per_step=$(smoke) && break
  per_step=
done
[ -n "$per_step" ] || { echo "no GPU device could train"; exit 1; }
# Reserve: tokenizing the corpus, the first and last evaluation, saving, export.
left=$(( budget - ($(date +%s) - t0) - ${RESERVE:-75} ))
steps=$(python3 -c "print(max(100, int($left * 0.92 / $per_step)))")
echo "smoke ($BURN_DEVICE): $per_step s per step of $batch; $left s left → $steps steps"

"$bin" train --encoder "$encoder" --corpus "$work/train.txt" --cloze "$cloze" \
  --cloze-limit 2000 --run "$out/run" --steps "$steps" --batch "$batch" --max-len 128 \
  --lr "$lr" --warmup "$warmup" --seed "$seed" --eval-every $(( steps / 6 + 1 )) \
  --save-every 1000000 --max-minutes "$(python3 -c "print($left / 60)")" --fixed-length \
  2>&1 | stamp | tee "$out/train.log"
BURN_DEVICE=flex "$bin" export --encoder "$encoder" --run "$out/run" --out "$out/model" \
  --golden "$golden" 2>&1 | tee "$out/export.log"
echo "done in $(( $(date +%s) - t0 )) s"
