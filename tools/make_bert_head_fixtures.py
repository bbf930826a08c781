#!/usr/bin/env python3
"""Make the parity fixtures for BERT's fine-tuning heads: small random-initialised Hugging
Face checkpoints of every head a BERT checkpoint can carry, plus what PyTorch (and, for
extractive QA, transformers 4's `question-answering` pipeline) computes for them.

Used only to (re)make `fixtures/bert-head-*`; nothing at run time needs Python.
    python3 -m venv /tmp/fx && /tmp/fx/bin/pip install torch "transformers<5" safetensors tokenizers
    /tmp/fx/bin/python tools/make_bert_head_fixtures.py

transformers is pinned below 5 because 5 removed the question-answering pipeline whose span
selection the QA fixture records (see ../shared/TOOLCHAIN.md).

Fixtures (each differs from the others in what a loader can get wrong):
- bert-head-seqcls: BertForSequenceClassification, 3 named labels, single-label (softmax),
  one-sentence and sentence-pair inputs (token_type_ids from the pair template);
  model.safetensors + tokenizer.json.
- bert-head-multilabel: BertForSequenceClassification with problem_type
  multi_label_classification (sigmoid), saved the legacy way: pytorch_model.bin (torch.save of
  the state dict) + vocab.txt + tokenizer_config.json (do_lower_case), no tokenizer.json.
- bert-head-tokcls: BertForTokenClassification (no pooler), 5 labels, gelu_new.
- bert-head-qa: BertForQuestionAnswering (no pooler), with the pipeline's answers, one
  context longer than max_position_embeddings (windows with stride).
- bert-head-pretraining: BertForPreTraining (masked-LM + next-sentence heads), P(IsNext).
"""
import json
import os
import random

import torch
from safetensors.torch import save_file
from tokenizers import Tokenizer
from tokenizers.implementations import BertWordPieceTokenizer
from transformers import (
    BertConfig,
    BertForPreTraining,
    BertForQuestionAnswering,
    BertForSequenceClassification,
    BertForTokenClassification,
    BertTokenizerFast,
    pipeline,
)

from make_bert_fixtures import OUT, make_vocab, randomise

SENTENCES = [
    "The man went to the store to buy some milk.",
    "she wrote a letter to her mother yesterday!",
    "zebras are quite happy",
]
PAIRS = [
    ("The man went to the store.", "He bought some milk."),
    ("paris is the capital of france.", "The dog ate my book."),
]
QA = [
    ("Where did the man go?", "The man went to the store to buy some milk."),
    ("Who wrote a letter?", "She wrote a letter to her mother yesterday. The dog ate the letter."),
    # Longer than max_position_embeddings (64): the pipeline splits it into windows.
    ("What did the king buy?", " ".join(["The old king bought some bread at the market."] * 9)),
]


def r6(xs):
    return [round(float(x), 6) for x in xs]


def base_config(vocab_size, tok, **kw):
    c = BertConfig(
        vocab_size=vocab_size,
        max_position_embeddings=64,
        type_vocab_size=2,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
        pad_token_id=tok.token_to_id("[PAD]"),
        **kw,
    )
    c._attn_implementation = "eager"
    return c


def config_json(config, architecture, extra=None):
    out = {
        "architectures": [architecture],
        "model_type": "bert",
        **{k: getattr(config, k) for k in [
            "vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
            "intermediate_size", "hidden_act", "layer_norm_eps", "max_position_embeddings",
            "type_vocab_size", "pad_token_id"]},
        "position_embedding_type": "absolute",
    }
    if getattr(config, "id2label", None) and architecture != "BertForPreTraining":
        out["id2label"] = {str(k): v for k, v in config.id2label.items()}
        out["label2id"] = {v: k for k, v in config.id2label.items()}
    if extra:
        out.update(extra)
    return out


def setup(name, mask_last):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    vocab_path = os.path.join(d, "vocab.txt")
    vocab_size = make_vocab(vocab_path, mask_last)
    wp = BertWordPieceTokenizer(vocab_path, lowercase=True)
    wp.save(os.path.join(d, "tokenizer.json"))
    return d, vocab_path, vocab_size, Tokenizer.from_file(os.path.join(d, "tokenizer.json"))


def save(d, model, config, architecture, extra=None, legacy=False):
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    state.pop("bert.embeddings.position_ids", None)
    if legacy:
        torch.save(state, os.path.join(d, "pytorch_model.bin"))
        os.remove(os.path.join(d, "tokenizer.json"))
        with open(os.path.join(d, "tokenizer_config.json"), "w") as f:
            json.dump({"do_lower_case": True, "tokenizer_class": "BertTokenizer",
                       "mask_token": "[MASK]", "cls_token": "[CLS]", "sep_token": "[SEP]",
                       "pad_token": "[PAD]", "unk_token": "[UNK]"}, f, indent=2)
    else:
        # Tied to the word embeddings / to cls.predictions.bias: recent save_pretrained
        # stores neither copy.
        state.pop("cls.predictions.decoder.weight", None)
        state.pop("cls.predictions.decoder.bias", None)
        save_file(state, os.path.join(d, "model.safetensors"))
        os.remove(os.path.join(d, "vocab.txt"))
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(config_json(config, architecture, extra), f, indent=2)


def write(d, expected):
    with open(os.path.join(d, "expected.json"), "w") as f:
        json.dump(expected, f)


def seqcls(name, *, labels, problem_type, legacy, seed, act="gelu"):
    d, vocab_path, vocab_size, tok = setup(name, mask_last=legacy)
    torch.manual_seed(seed)
    config = base_config(vocab_size, tok, hidden_size=48, num_hidden_layers=2,
                         num_attention_heads=3, intermediate_size=96, hidden_act=act,
                         layer_norm_eps=1e-12, num_labels=len(labels),
                         id2label=dict(enumerate(labels)), problem_type=problem_type)
    model = BertForSequenceClassification(config).eval()
    randomise(model, seed)
    cases = []
    inputs = [(s, None) for s in SENTENCES] + PAIRS
    for a, b in inputs:
        enc = tok.encode(a, b) if b is not None else tok.encode(a)
        with torch.no_grad():
            logits = model(input_ids=torch.tensor([enc.ids]),
                           token_type_ids=torch.tensor([enc.type_ids])).logits[0]
        probs = logits.sigmoid() if problem_type == "multi_label_classification" else logits.softmax(-1)
        cases.append({"text": a, "pair": b, "input_ids": enc.ids, "token_type_ids": enc.type_ids,
                      "logits": r6(logits), "probs": r6(probs)})
    save(d, model, config, "BertForSequenceClassification",
         {"problem_type": problem_type}, legacy=legacy)
    write(d, {"cases": cases})
    print(f"{name}: {len(cases)} cases")


def tokcls(name, *, labels, seed):
    d, _, vocab_size, tok = setup(name, mask_last=True)
    torch.manual_seed(seed)
    config = base_config(vocab_size, tok, hidden_size=40, num_hidden_layers=2,
                         num_attention_heads=4, intermediate_size=72, hidden_act="gelu_new",
                         layer_norm_eps=1e-7, num_labels=len(labels),
                         id2label=dict(enumerate(labels)))
    model = BertForTokenClassification(config).eval()
    randomise(model, seed)
    cases = []
    for text in SENTENCES:
        enc = tok.encode(text)
        with torch.no_grad():
            logits = model(input_ids=torch.tensor([enc.ids])).logits[0]
        probs = logits.softmax(-1)
        # One label per word: the word's first sub-token, as the issue asks (no grouping).
        words, seen = [], set()
        for i, w in enumerate(enc.word_ids):
            if w is None or w in seen:
                continue
            seen.add(w)
            start, end = enc.word_to_chars(w)
            best = int(probs[i].argmax())
            words.append({"word": text[start:end], "start": start, "end": end,
                          "label": labels[best], "prob": round(float(probs[i, best]), 6)})
        cases.append({"text": text, "input_ids": enc.ids,
                      "logits": [r6(row) for row in logits], "words": words})
    save(d, model, config, "BertForTokenClassification")
    write(d, {"cases": cases})
    print(f"{name}: {len(cases)} cases")


def qa(name, *, seed):
    d, vocab_path, vocab_size, tok = setup(name, mask_last=False)
    fast = BertTokenizerFast(vocab_file=vocab_path, do_lower_case=True)
    torch.manual_seed(seed)
    config = base_config(vocab_size, tok, hidden_size=32, num_hidden_layers=2,
                         num_attention_heads=2, intermediate_size=64, hidden_act="relu",
                         layer_norm_eps=1e-5)
    model = BertForQuestionAnswering(config).eval()
    randomise(model, seed)
    qa_pipe = pipeline("question-answering", model=model, tokenizer=fast, device=-1)
    cases = []
    for question, context in QA:
        enc = tok.encode(question, context)
        case = {"question": question, "context": context}
        if len(enc.ids) <= config.max_position_embeddings:
            with torch.no_grad():
                out = model(input_ids=torch.tensor([enc.ids]),
                            token_type_ids=torch.tensor([enc.type_ids]))
            case.update(input_ids=enc.ids, start_logits=r6(out.start_logits[0]),
                        end_logits=r6(out.end_logits[0]))
        ans = qa_pipe(question=question, context=context, max_seq_len=64, doc_stride=16,
                      max_answer_len=15, handle_impossible_answer=False)
        case["answer"] = {"answer": ans["answer"], "start": ans["start"], "end": ans["end"],
                          "score": round(float(ans["score"]), 6)}
        cases.append(case)
    save(d, model, config, "BertForQuestionAnswering")
    write(d, {"cases": cases, "max_seq_len": 64, "doc_stride": 16, "max_answer_len": 15})
    print(f"{name}: {len(cases)} cases")


def pretraining(name, *, seed):
    d, _, vocab_size, tok = setup(name, mask_last=False)
    torch.manual_seed(seed)
    config = base_config(vocab_size, tok, hidden_size=64, num_hidden_layers=2,
                         num_attention_heads=4, intermediate_size=128, hidden_act="gelu",
                         layer_norm_eps=1e-12)
    model = BertForPreTraining(config).eval()
    randomise(model, seed)
    cases = []
    for a, b in PAIRS + [(SENTENCES[0], SENTENCES[1])]:
        enc = tok.encode(a, b)
        with torch.no_grad():
            out = model(input_ids=torch.tensor([enc.ids]),
                        token_type_ids=torch.tensor([enc.type_ids]))
        logits = out.seq_relationship_logits[0]
        # Index 0 is "B follows A" in BERT's next-sentence head.
        cases.append({"a": a, "b": b, "input_ids": enc.ids, "token_type_ids": enc.type_ids,
                      "logits": r6(logits), "is_next": round(float(logits.softmax(-1)[0]), 6)})
    save(d, model, config, "BertForPreTraining")
    write(d, {"cases": cases})
    print(f"{name}: {len(cases)} cases")


if __name__ == "__main__":
    random.seed(0)
    seqcls("bert-head-seqcls", labels=["negative", "neutral", "positive"],
           problem_type="single_label_classification", legacy=False, seed=11)
    seqcls("bert-head-multilabel", labels=["sports", "politics", "science", "art"],
           problem_type="multi_label_classification", legacy=True, seed=12, act="relu")
    tokcls("bert-head-tokcls", labels=["O", "NOUN", "VERB", "ADJ", "DET"], seed=13)
    qa("bert-head-qa", seed=14)
    pretraining("bert-head-pretraining", seed=15)
