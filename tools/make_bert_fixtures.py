#!/usr/bin/env python3
"""Make the BERT parity fixtures: small random-initialised Hugging Face `BertForMaskedLM`
checkpoints plus the logits PyTorch computes for them.

Used only to (re)make `fixtures/bert-*`; nothing at run time needs Python.
    python3 -m pip install torch transformers safetensors tokenizers
    python3 tools/make_bert_fixtures.py

Each fixture directory holds what `tlab fill-mask --model DIR` reads (config.json,
tokenizer.json, model.safetensors) and expected.json (per input: input_ids, mask positions,
logits at every mask over the whole vocabulary, top-5 ids/probabilities, and for the first
input the attention probabilities of every layer).

The three checkpoints differ on purpose in everything a loader can get wrong: shape,
activation, key layout (`bert.`-prefixed vs bare), LayerNorm names (weight/bias vs legacy
gamma/beta), the tied decoder key (stored vs omitted), the bias key, dtype (f32 vs f16) and
where the special tokens sit in the vocabulary.
"""
import json
import os
import random

import torch
from safetensors.torch import save_file
from tokenizers import Tokenizer
from tokenizers.implementations import BertWordPieceTokenizer
from transformers import BertConfig, BertForMaskedLM

OUT = os.path.join(os.path.dirname(__file__), "..", "fixtures")

WORDS = """the a an of to in and is was went buy some milk store man woman child dog cat
bird house city river paris france capital world day night morning she he they we you i it
her his their my our your saw found ate read wrote made took gave bought sold red blue green
big small old new good bad happy sad fast slow book letter song story water bread apple tree
car road school market church king queen friend mother father brother sister yesterday today
tomorrow always never very quite at on for with from by about into over under after before
this that these those there here what who where when why how not no yes be been have has had
do does did will would can could should may might must one two three four five first last
""".split()
PIECES = ["##s", "##ed", "##ing", "##ly", "##er", "##est", "##y"]
PUNCT = [".", ",", "!", "?", "'", "-"]

INPUTS = [
    "The man went to the [MASK] to buy some milk.",
    "[MASK] is the capital of France.",
    "She [MASK] a [MASK] of the [MASK] yesterday.",
    "hello [MASK] world, zebras are quite [MASK]!",
    "[MASK]",
]


def make_vocab(path, mask_last):
    """Specials in two different places, so that no id can be assumed."""
    body = WORDS + PIECES + PUNCT
    if mask_last:
        vocab = ["[PAD]"] + body[:40] + ["[UNK]", "[CLS]", "[SEP]"] + body[40:] + ["[MASK]"]
    else:
        vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + body
    with open(path, "w") as f:
        f.write("\n".join(vocab) + "\n")
    return len(vocab)


def randomise(model, seed):
    """Larger-than-default random values everywhere (LayerNorms and biases too), so that a
    mismatched key, transpose or epsilon shows up as a large logit difference."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm" in name and name.endswith("weight"):
                p.copy_(1.0 + 0.2 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.2 * torch.randn(p.shape, generator=g))
    model.tie_weights()


def make(name, *, layers, hidden, heads, inter, act, eps, mask_last, layout, dtype, seed):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    vocab_path = os.path.join(d, "vocab.txt")
    vocab_size = make_vocab(vocab_path, mask_last)
    wp = BertWordPieceTokenizer(vocab_path, lowercase=True)
    wp.save(os.path.join(d, "tokenizer.json"))
    os.remove(vocab_path)
    tok = Tokenizer.from_file(os.path.join(d, "tokenizer.json"))

    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=vocab_size,
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=inter,
        hidden_act=act,
        layer_norm_eps=eps,
        max_position_embeddings=64,
        type_vocab_size=2,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
        pad_token_id=tok.token_to_id("[PAD]"),
    )
    config._attn_implementation = "eager"  # sdpa cannot return attention probabilities
    model = BertForMaskedLM(config).eval()
    randomise(model, seed)
    if dtype == "f16":
        # Round the weights to f16 first so PyTorch's f32 reference sees the stored values.
        with torch.no_grad():
            for p in model.parameters():
                p.copy_(p.half().float())

    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    if layout == "bare-legacy":
        renamed = {}
        for k, v in state.items():
            k = k.removeprefix("bert.")
            if "LayerNorm" in k:
                k = k.replace(".weight", ".gamma").replace(".bias", ".beta")
            renamed[k] = v
        state = renamed
        state.pop("cls.predictions.decoder.weight")  # tied: recent save_pretrained omits it
        state.pop("cls.predictions.decoder.bias", None)
    elif layout == "prefixed-decoder-bias":
        state.pop("cls.predictions.decoder.weight")
        state["cls.predictions.decoder.bias"] = state.pop("cls.predictions.bias")
    else:  # "prefixed": everything, including the (tied) decoder copy
        state["cls.predictions.decoder.weight"] = state["cls.predictions.decoder.weight"].clone()
        state.pop("cls.predictions.decoder.bias", None)
    if dtype == "f16":
        state = {k: v.half() for k, v in state.items()}
    save_file(state, os.path.join(d, "model.safetensors"))
    config_json = {
        "architectures": ["BertForMaskedLM"],
        "model_type": "bert",
        **{k: getattr(config, k) for k in [
            "vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
            "intermediate_size", "hidden_act", "layer_norm_eps", "max_position_embeddings",
            "type_vocab_size", "pad_token_id"]},
        "position_embedding_type": "absolute",
    }
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(config_json, f, indent=2)

    cases = []
    for i, text in enumerate(INPUTS):
        enc = tok.encode(text)
        ids = torch.tensor([enc.ids])
        with torch.no_grad():
            out = model(input_ids=ids, output_attentions=(i == 0))
        mask_id = tok.token_to_id("[MASK]")
        positions = [j for j, t in enumerate(enc.ids) if t == mask_id]
        logits = out.logits[0, positions]
        probs = logits.softmax(-1)
        top = probs.topk(5, dim=-1)
        case = {
            "text": text,
            "input_ids": enc.ids,
            "mask_positions": positions,
            "logits": [[round(float(x), 6) for x in row] for row in logits],
            "top5_ids": top.indices.tolist(),
            "top5_probs": [[round(float(x), 7) for x in row] for row in top.values],
        }
        if i == 0:
            case["attentions"] = [
                [[[round(float(x), 6) for x in row] for row in head] for head in layer[0]]
                for layer in out.attentions
            ]
        cases.append(case)
    with open(os.path.join(d, "expected.json"), "w") as f:
        json.dump({"cases": cases}, f)
    print(f"{name}: vocab {vocab_size}, {sum(p.numel() for p in model.parameters())} params")


if __name__ == "__main__":
    random.seed(0)
    make("bert-gelu", layers=2, hidden=64, heads=4, inter=128, act="gelu", eps=1e-12,
         mask_last=False, layout="prefixed", dtype="f32", seed=1)
    make("bert-relu", layers=3, hidden=96, heads=3, inter=192, act="relu", eps=1e-7,
         mask_last=True, layout="bare-legacy", dtype="f32", seed=2)
    make("bert-gelu-new-f16", layers=1, hidden=32, heads=2, inter=64, act="gelu_new",
         eps=1e-5, mask_last=True, layout="prefixed-decoder-bias", dtype="f16", seed=3)
