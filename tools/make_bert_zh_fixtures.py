#!/usr/bin/env python3
"""Make the Chinese and multilingual BERT parity fixtures: small random-initialised
checkpoints laid out as three hub models a lecturer would load by name, plus the logits
PyTorch computes for them (transformers 4.x, the same venv as make_bert_head_fixtures.py).

    python3 -m pip install torch "transformers<5" safetensors tokenizers
    python3 tools/make_bert_zh_fixtures.py

- fixtures/bert-zh-chars: as google-bert/bert-base-chinese: character vocabulary with
  `##` copies of characters, traditional and simplified both in it, specials at 0/100–103
  with [unusedN] between, tokenizer.json (BertTokenizerFast, tokenize_chinese_chars,
  do_lower_case false in tokenizer_config.json), model.safetensors of a
  BertForPreTraining (pooler and cls.seq_relationship present, unused by fill-mask).
- fixtures/bert-zh-wwm: as hfl/chinese-roberta-wwm-ext (a BERT despite its name): only
  vocab.txt + pytorch_model.bin (torch.save of the state dict, with the legacy
  position_ids buffer) + a tokenizer_config.json that names nothing; the reference is the
  slow Python BertTokenizer(vocab.txt) with its defaults.
- fixtures/bert-multilingual-cased: as google-bert/bert-base-multilingual-cased: cased
  vocabulary with accented words (no accent stripping), CJK characters split one per word.

Each directory also holds expected.json in the shape fixtures/bert-* use (input ids, mask
positions, logits at every mask over the whole vocabulary, top-5).
"""
import json
import os

import torch
from safetensors.torch import save_file
from transformers import BertConfig, BertForPreTraining, BertTokenizer, BertTokenizerFast

from make_bert_fixtures import randomise  # same weight scale as the English fixtures

OUT = os.path.join(os.path.dirname(__file__), "..", "fixtures")

ZH_CHARS = list("的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会"
                "自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十"
                "用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实"
                "回二理美点月明光床疑霜北京首都台湾臺灣學習习深度模型趣诗春眠觉晓白依山尽海流")
ZH_PUNCT = list("，。！？；：、“”《》（）")
ASCII = list("abcdefghijklmnopqrstuvwxyz0123456789.,!?'-")
ASCII_WORDS = ["the", "is", "transformer", "model", "bert", "deep", "learning"]

ZH_INPUTS = [
    "北京是中国的[MASK]都。",
    "台湾大[MASK]",
    "床前明月[MASK]，疑是地上霜。",
    "深度学习模型 Transformer 很有[MASK]。",
    "臺灣大學的[MASK]生",
    "春眠不[MASK][MASK]",
    "[MASK]",
]

ML_WORDS = ["Paris", "paris", "France", "capital", "is", "the", "of", "São", "Paulo", "Él",
            "vive", "en", "naïve", "café", "Café", "München", "liegt", "in", "Bayern", "The",
            "city", "big", "small", "old", "new", "good", "nice", "very", "a", "and"]
ML_PIECES = ["##s", "##é", "##en", "##er", "##ia", "##o", "##a", "##ing"]
ML_CJK = list("東京是日本的首都北京中国大学台湾")
ML_INPUTS = [
    "Paris is the [MASK] of France.",
    "Él vive en São [MASK].",
    "東京是日本的[MASK]都。",
    "München liegt in [MASK], a naïve café.",
    "PARIS is [MASK]",
]


def zh_vocab():
    """bert-base-chinese's layout: [PAD], [unused1..], [UNK] [CLS] [SEP] [MASK] at 100–103."""
    vocab = ["[PAD]"] + [f"[unused{i}]" for i in range(1, 100)]
    vocab += ["[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    vocab += ZH_PUNCT + ASCII + ASCII_WORDS + ["##" + c for c in "abcdefghijklmnopqrstuvwxyz"]
    seen = set()
    for c in ZH_CHARS:
        if c not in seen:
            seen.add(c)
            vocab.append(c)
    vocab += ["##" + c for c in "的学习国大"]
    return vocab


def ml_vocab():
    vocab = ["[PAD]"] + [f"[unused{i}]" for i in range(1, 5)] + ["[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    vocab += list(".,!?'-") + ML_WORDS + ML_PIECES + ML_CJK
    vocab += list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    vocab += ["##" + c for c in "abcdefghijklmnopqrstuvwxyz"]
    return list(dict.fromkeys(vocab))  # one id per token


def make(name, *, vocab, inputs, layers, hidden, heads, inter, act, lower, layout, seed):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    vocab_path = os.path.join(d, "vocab.txt")
    with open(vocab_path, "w", encoding="utf-8") as f:
        f.write("\n".join(vocab) + "\n")
    if layout == "vocab-bin":
        # hfl's repositories: BertTokenizer with its defaults (lower case, CJK split).
        tok = BertTokenizer(vocab_path)
        with open(os.path.join(d, "tokenizer_config.json"), "w") as f:
            json.dump({"init_inputs": []}, f)
    else:
        tok = BertTokenizerFast(vocab_path, do_lower_case=lower, tokenize_chinese_chars=True)
        tok.backend_tokenizer.save(os.path.join(d, "tokenizer.json"))
        with open(os.path.join(d, "tokenizer_config.json"), "w") as f:
            json.dump({"do_lower_case": lower, "model_max_length": 512}, f)
        os.remove(vocab_path)

    config = BertConfig(
        vocab_size=len(vocab), hidden_size=hidden, num_hidden_layers=layers,
        num_attention_heads=heads, intermediate_size=inter, hidden_act=act,
        max_position_embeddings=64, type_vocab_size=2, hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0, pad_token_id=0,
    )
    config._attn_implementation = "eager"
    torch.manual_seed(seed)
    model = BertForPreTraining(config).eval()
    randomise(model, seed)
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    state.pop("cls.predictions.decoder.bias", None)
    if layout == "vocab-bin":
        # Older checkpoints carry the position_ids buffer; the loader must ignore it.
        state["bert.embeddings.position_ids"] = torch.arange(64).unsqueeze(0)
        torch.save(state, os.path.join(d, "pytorch_model.bin"))
    else:
        state.pop("cls.predictions.decoder.weight")  # tied
        save_file(state, os.path.join(d, "model.safetensors"))
    config_json = {
        "architectures": ["BertForMaskedLM"],
        "model_type": "bert",
        "directionality": "bidi",
        "pooler_fc_size": hidden, "pooler_num_attention_heads": heads,
        **{k: getattr(config, k) for k in [
            "vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
            "intermediate_size", "hidden_act", "layer_norm_eps", "max_position_embeddings",
            "type_vocab_size", "pad_token_id"]},
    }
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(config_json, f, indent=2)

    cases = []
    mask_id = tok.convert_tokens_to_ids("[MASK]")
    for text in inputs:
        ids = tok(text)["input_ids"]
        with torch.no_grad():
            logits_all = model(input_ids=torch.tensor([ids])).prediction_logits[0]
        positions = [j for j, t in enumerate(ids) if t == mask_id]
        logits = logits_all[positions]
        top = logits.softmax(-1).topk(5, dim=-1)
        cases.append({
            "text": text,
            "input_ids": ids,
            "tokens": tok.convert_ids_to_tokens(ids),
            "mask_positions": positions,
            "logits": [[round(float(x), 6) for x in row] for row in logits],
            "top5_ids": top.indices.tolist(),
            "top5_probs": [[round(float(x), 7) for x in row] for row in top.values],
        })
    with open(os.path.join(d, "expected.json"), "w") as f:
        json.dump({"cases": cases}, f, ensure_ascii=False)
    print(f"{name}: vocab {len(vocab)}, tokens of case 0: {cases[0]['tokens']}")


if __name__ == "__main__":
    make("bert-zh-chars", vocab=zh_vocab(), inputs=ZH_INPUTS, layers=2, hidden=48, heads=3,
         inter=80, act="gelu", lower=False, layout="json-safetensors", seed=11)
    make("bert-zh-wwm", vocab=zh_vocab(), inputs=ZH_INPUTS, layers=1, hidden=40, heads=5,
         inter=72, act="gelu", lower=True, layout="vocab-bin", seed=12)
    make("bert-multilingual-cased", vocab=ml_vocab(), inputs=ML_INPUTS, layers=2, hidden=36,
         heads=2, inter=60, act="gelu", lower=False, layout="json-safetensors", seed=13)
