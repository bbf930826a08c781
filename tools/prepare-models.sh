#!/usr/bin/env bash
# Prepare the default models under models/ (served to the page at /models/, read by `tlab`).
#
# models/fill-mask: until the project's own English masked-LM is trained (issue: "The default
# English fill-mask model"), this is the bert-gelu parity fixture — real format, real
# tokenizer pipeline, random weights. The page says so; load a real checkpoint by URL.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p models/fill-mask
cp fixtures/bert-gelu/{config.json,tokenizer.json,model.safetensors} models/fill-mask/
cat > models/index.json <<'JSON'
{
  "fill-mask": {
    "name": "test fixture (random weights)",
    "note": "A 2-layer random-initialised BERT used for parity tests: its answers are not meaningful. Load a real checkpoint, e.g. google-bert/bert-base-uncased."
  }
}
JSON
echo "models/ ready: $(ls models)"
