#!/usr/bin/env python3
"""Make the "inside an encoder block" parity fixture: every intermediate state of one BERT
block, recorded from Hugging Face's own `BertLayer` with forward hooks.

Used only to (re)make `fixtures/bert-gelu/block.json`; nothing at run time needs Python.
    python3 -m pip install torch transformers
    python3 tools/make_block_fixture.py

For the fixture's first input text and every layer: the block's input (hidden_states[l]),
the self-attention sublayer's output before its residual add (`attention.output.dense`),
input + that, `attention.output.LayerNorm`, the feed-forward output before its residual add
(`output.dense`), attn_norm + that, and `output.LayerNorm` (hidden_states[l + 1]).
`crates/tasks/tests/lecture_views.rs` compares `FillMask::encoder_block` against it.
"""
import json
import os

import torch
from transformers import BertForMaskedLM

DIR = os.path.join(os.path.dirname(__file__), "..", "fixtures", "bert-gelu")


def main():
    model = BertForMaskedLM.from_pretrained(DIR).eval()
    case = json.load(open(os.path.join(DIR, "expected.json")))["cases"][0]
    ids = torch.tensor([case["input_ids"]])
    layers = []
    for layer in model.bert.encoder.layer:
        seen = {}

        def keep(out_name, in_name=None, seen=seen):
            # A hook that returns something replaces the module's output: return None.
            def hook(module, inputs, output):
                seen[out_name] = output
                if in_name:
                    seen[in_name] = inputs[0]
            return hook

        hooks = [
            layer.attention.output.dense.register_forward_hook(keep("self_attention")),
            layer.attention.output.LayerNorm.register_forward_hook(keep("attn_norm", "attn_residual")),
            layer.output.dense.register_forward_hook(keep("feed_forward")),
            layer.output.LayerNorm.register_forward_hook(keep("output", "ffn_residual")),
        ]
        layers.append((seen, hooks))
    with torch.no_grad():
        out = model(ids, output_hidden_states=True)
    result = []
    for l, (seen, hooks) in enumerate(layers):
        for h in hooks:
            h.remove()
        stages = {"input": out.hidden_states[l], **seen}
        # Six decimals: the test allows 1e-4, and the file stays small.
        result.append({k: [[round(x, 6) for x in row] for row in v[0].tolist()] for k, v in stages.items()})
    json.dump({"text": case["text"], "input_ids": case["input_ids"], "layers": result},
              open(os.path.join(DIR, "block.json"), "w"))
    print("wrote", os.path.join(DIR, "block.json"), "layers", len(result), "tokens", len(case["input_ids"]))


if __name__ == "__main__":
    main()
