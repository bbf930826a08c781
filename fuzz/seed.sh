#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from the committed fixtures and small synthetic files
# (fuzz/seeds/make_seeds.py), so that no model file is committed twice. Idempotent: run it
# before fuzzing; libFuzzer adds what it finds beside the seeds.
set -euo pipefail
cd "$(dirname "$0")"
fx=../fixtures
c=corpus
mkdir -p "$c"/{safetensors,marian_bin,shortlist,config,tokenizer}
for m in bert-gelu bert-gelu-new-f16 bert-relu marian-relu marian-swish; do
  cp "$fx/$m/model.safetensors" "$c/safetensors/$m.safetensors"
  cp "$fx/$m/config.json" "$c/config/$m.json"
  cp "$fx/$m/tokenizer.json" "$c/tokenizer/$m.json"
done
python3 seeds/make_seeds.py "$c"
# The regressions are seeds too: a fixed crash should stay fixed under mutation.
for t in safetensors marian_bin shortlist config tokenizer; do
  if [ -d "regressions/$t" ]; then cp regressions/"$t"/* "$c/$t/" 2>/dev/null || true; fi
done
for t in "$c"/*; do echo "$t: $(ls "$t" | wc -l) files"; done
