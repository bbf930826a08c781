#!/usr/bin/env python3
"""ONNX exports of the default fill-mask model, for transformers.js in tools/bench-peers.mjs.

Reads models/fill-mask (a Hugging Face BertForMaskedLM: config.json, model.safetensors,
tokenizer.json) and writes the layout transformers.js loads from a local model path:

    <out>/fill-mask/config.json, tokenizer.json, tokenizer_config.json
    <out>/fill-mask/onnx/model.onnx            fp32
    <out>/fill-mask/onnx/model_quantized.onnx  dynamic int8 (what transformers.js calls q8)

Tool-time only (torch, onnx, onnxscript, onnxruntime); nothing here is loaded by the site.

    python tools/peers/export_onnx.py [--model models/fill-mask] [--out tools/peers/models]
"""
import argparse
import shutil
from pathlib import Path

import torch
from onnxruntime.quantization import QuantType, quantize_dynamic
from transformers import BertForMaskedLM

ap = argparse.ArgumentParser()
ap.add_argument("--model", default="models/fill-mask")
ap.add_argument("--out", default="tools/peers/models")
args = ap.parse_args()

src = Path(args.model)
dst = Path(args.out) / "fill-mask"
(dst / "onnx").mkdir(parents=True, exist_ok=True)
for name in ("config.json", "tokenizer.json", "tokenizer_config.json"):
    shutil.copy(src / name, dst / name)

model = BertForMaskedLM.from_pretrained(src).eval()
model.config.return_dict = False
ids = torch.tensor([[101, 7592, 103, 102]])
mask = torch.ones_like(ids)
types = torch.zeros_like(ids)
fp32 = dst / "onnx" / "model.onnx"
dyn = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"}, "token_type_ids": {0: "batch", 1: "seq"}}
torch.onnx.export(
    model,
    (ids, mask, types),
    fp32,
    input_names=["input_ids", "attention_mask", "token_type_ids"],
    output_names=["logits"],
    dynamic_axes=dyn | {"logits": {0: "batch", 1: "seq"}},
    opset_version=17,
    dynamo=False,
)
quantize_dynamic(fp32, dst / "onnx" / "model_quantized.onnx", weight_type=QuantType.QInt8)

# The export must answer what the PyTorch model answers before anything is timed against it.
import onnxruntime as ort  # noqa: E402

sess = ort.InferenceSession(str(fp32))
got = sess.run(None, {"input_ids": ids.numpy(), "attention_mask": mask.numpy(), "token_type_ids": types.numpy()})[0]
with torch.no_grad():
    want = model(ids, mask, types)[0].numpy()
err = abs(got - want).max()
assert err < 1e-3, f"ONNX export differs from PyTorch by {err}"
for f in sorted((dst / "onnx").iterdir()):
    print(f"{f}: {f.stat().st_size / 1e6:.1f} MB")
print(f"max |onnx - torch| = {err:.2e}")
