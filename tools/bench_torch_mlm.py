#!/usr/bin/env python3
"""Tokens/s of the same masked-LM training step in PyTorch, for comparison with tlab-train.

Same encoder (data/minilm), same step: 32 sentences from data/corpus/train.txt (length-sorted
windows, padded), 15 % whole-word masking, head only on masked positions, word embeddings
frozen, AdamW, clip 1.0; 2 threads. Prints the median tokens/s of 30 steps after 5 warm-up.

    /path/to/venv-with-torch-and-transformers/bin/python tools/bench_torch_mlm.py
"""
import random
import statistics
import time

import torch
from transformers import BertConfig, BertForMaskedLM, BertTokenizerFast

torch.set_num_threads(2)
torch.manual_seed(0)
random.seed(0)
tok = BertTokenizerFast.from_pretrained("data/minilm")
cfg = BertConfig.from_pretrained("data/minilm")
model = BertForMaskedLM.from_pretrained("data/minilm", config=cfg)
model.bert.embeddings.word_embeddings.weight.requires_grad_(False)
model.train()
opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4, weight_decay=0.01)
lines = [l.strip() for l in open("data/corpus/train.txt", encoding="utf-8") if l.strip()]
random.shuffle(lines)
batches = []
window = lines[: 32 * 40]
window.sort(key=len)
for i in range(0, len(window), 32):
    batches.append(window[i : i + 32])
random.shuffle(batches)
times = []
for step, batch in enumerate(batches[:35]):
    enc = tok(batch, padding=True, truncation=True, max_length=64, return_tensors="pt")
    ids = enc["input_ids"].clone()
    special = (ids == tok.cls_token_id) | (ids == tok.sep_token_id) | (ids == tok.pad_token_id)
    chosen = (torch.rand(ids.shape) < 0.15) & ~special
    labels = enc["input_ids"][chosen]
    ids[chosen] = tok.mask_token_id
    tokens = int(enc["attention_mask"].sum())
    t = time.perf_counter()
    hidden = model.bert(input_ids=ids, attention_mask=enc["attention_mask"]).last_hidden_state
    logits = model.cls(hidden[chosen])
    loss = torch.nn.functional.cross_entropy(logits, labels)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    opt.zero_grad()
    if step >= 5:
        times.append(tokens / (time.perf_counter() - t))
print(f"PyTorch {torch.__version__}: median {statistics.median(times):.0f} tokens/s over {len(times)} steps")
