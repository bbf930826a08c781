#!/usr/bin/env python3
"""Make crates/models/tests/data/pytorch_views.pt, the tiny torch.save checkpoint that tests
what the in-browser PyTorch reader (crates/models/src/pytorch.rs) must get right beyond a
plain state dict: f16/bf16/f64 dtypes, a 0-d tensor, a transposed (non-contiguous) view, two
views sharing one storage at different offsets, an int64 buffer (left out), a non-tensor leaf
(skipped) and a nested dict (flattened to dotted names). Pickle protocol 4, so FRAME,
SHORT_BINUNICODE, MEMOIZE and STACK_GLOBAL are covered too (pytorch_model.bin fixtures use 2).

    /tmp/fxvenv/bin/python tools/make_pytorch_view_fixture.py
"""
import os

import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "crates", "models", "tests", "data")

shared = torch.arange(10.0)
state = {
    "f16": torch.tensor([1.5, -2.25, 0.125], dtype=torch.float16),
    "bf16": torch.tensor([[1.0, -0.5]], dtype=torch.bfloat16),
    "f64": torch.tensor([[1.0, 2.5], [-3.0, 0.1]], dtype=torch.float64),
    "scalar": torch.tensor(3.5),
    "t": torch.arange(6.0).reshape(2, 3).t(),  # shape [3, 2], strides (1, 3)
    "a": shared[2:5],
    "b": shared[5:],
    "ids": torch.arange(4),
    "step": 7,
    "inner": {"w": torch.tensor([7.0, 8.0]), "deeper": {"v": torch.tensor([-1.0])}},
}
assert not state["t"].is_contiguous()
os.makedirs(OUT, exist_ok=True)
path = os.path.join(OUT, "pytorch_views.pt")
torch.save(state, path, pickle_protocol=4)
print(path, os.path.getsize(path), "bytes")
