#!/usr/bin/env python3
"""Make the GPT-2 parity fixtures: small random-initialised Hugging Face `GPT2LMHeadModel`
checkpoints in three hub layouts, plus what PyTorch computes for them (full causal forward
logits, greedy / repetition-penalised greedy / beam-search outputs, attention probabilities).

Used only to (re)make `fixtures/gpt2-*`; nothing at run time needs Python.
    python3 -m pip install torch "transformers<5" safetensors tokenizers
    /tmp/fxvenv/bin/python tools/make_gpt2_fixtures.py           # writes the fixtures
    /tmp/fxvenv/bin/python tools/make_gpt2_fixtures.py --search gpt2-bpe 0 200 1.5,2.5,3.5
        # (name, first seed, end seed, eos boosts): how the seeds below were picked
(made with torch 2.15, transformers 4.57.6, tokenizers 0.22.2; runs in ~15 s on one CPU
thread and is deterministic: re-running rewrites identical files, pytorch_model.bin included.)

The three directories, each laid out as a real hub model a user would point the loader at:

  gpt2-bpe          what `save_pretrained` writes today (as openai-community/gpt2 re-saved):
      config.json        GPT2Config.to_json_file(use_diff=False) (every field) +
                         "architectures": ["GPT2LMHeadModel"].
      tokenizer.json     byte-level BPE trained here with `tokenizers` on the English sentences
                         of CORPUS_BPE: no normalizer, ByteLevel pre-tokenizer
                         (add_prefix_space=False, use_regex=True, i.e. GPT-2's split regex),
                         ByteLevel decoder, ByteLevel post-processor (trim_offsets=False, adds
                         no tokens). 256 byte symbols + 63 merges (ids 0-318), then
                         `<|endoftext|>` = 319 = the LAST id (as GPT-2's 50256), present both in
                         model.vocab and in added_tokens (special=True) like GPT-2's own file.
                         Merges are stored in the current `[["a","b"], ...]` form.
      model.safetensors  exactly what model.save_pretrained(safe_serialization=True) writes:
                         keys with the `transformer.` prefix (transformer.wte.weight,
                         transformer.wpe.weight, transformer.h.{i}.{ln_1,attn.c_attn,attn.c_proj,
                         ln_2,mlp.c_fc,mlp.c_proj}.{weight,bias}, transformer.ln_f.{weight,bias}),
                         f32, NO lm_head.weight (tied to transformer.wte.weight), no attn.bias
                         buffers; metadata {"format": "pt"}. (generation_config.json, which
                         save_pretrained also writes, is deleted: it only repeated bos/eos.)
      n_embd 48, n_layer 3, n_head 3 (head dim 16), n_inner 80 (FFN width not 4*n_embd),
      n_positions 64, "gelu_new" (tanh GELU), layer_norm_epsilon 1e-5, vocab 320,
      bos = eos = 319.

  gpt2-merges-bin   the older hub layout (as openai-community/gpt2's own repository):
      config.json        as above.
      vocab.json, merges.txt   a different byte-level BPE (CORPUS_MERGES, vocab 300), written
                         by the tokenizers model's `save_model`; merges.txt starts with
                         "#version: 0.2". `<|endoftext|>` is id 0 here (the trainer puts special
                         tokens first), so no code may assume eos = vocab_size - 1. NO
                         tokenizer.json: the reference tokenizer is the slow
                         GPT2Tokenizer(vocab.json, merges.txt) (checked here to give the same ids
                         and text as a `tokenizers` BPE from the same files with the ByteLevel
                         pre-tokenizer/decoder above); `<|endoftext|>` in a text is one token.
      pytorch_model.bin  torch.save(state_dict) (zip format, pickle protocol 2) of the
                         GPT2Model state dict: keys WITHOUT `transformer.` (wte.weight,
                         h.0.attn.c_attn.weight, ..., ln_f.bias), no lm_head.weight, PLUS the
                         legacy non-parameter buffers old checkpoints carry, per layer i:
                         h.{i}.attn.bias = tril(ones) causal mask, uint8 (torch.ByteStorage),
                         shape [1,1,48,48], and h.{i}.attn.masked_bias = tensor(-1e4) (0-d f32).
                         A loader must skip both (they are not weights; transformers ignores
                         them too). Checked: GPT2LMHeadModel.from_pretrained(dir) gives the
                         same logits.
      n_embd 32, n_layer 2, n_head 4 (head dim 8), n_inner null (= 4*n_embd = 128),
      n_positions 48, "gelu" (exact erf GELU), layer_norm_epsilon 1e-5, vocab 300, bos = eos = 0.

  gpt2-bert-vocab   as uer/gpt2-chinese-poem: a GPT-2 whose tokenizer is a BERT character vocab.
      config.json        as above, plus "tokenizer_class": "BertTokenizer" (as uer's configs
                         carry, so that AutoTokenizer picks BertTokenizer), and NO bos/eos of its
                         own: the GPT2Config defaults bos_token_id = eos_token_id = 50256, which
                         lie OUTSIDE the 187-token vocabulary.
      vocab.txt          [PAD]=0, [unused1..3], [UNK]=4, [CLS]=5, [SEP]=6, [MASK]=7, Chinese and
                         ASCII punctuation, then common Chinese characters (ZH_CHARS).
      tokenizer_config.json  {"tokenizer_class": "BertTokenizer", "do_lower_case": false}
      model.safetensors  save_pretrained layout (transformer. prefix, no lm_head.weight).
      n_embd 40, n_layer 2, n_head 5 (head dim 8), n_inner 64, n_positions 64, "gelu_new".
      Prompt encoding (uer's model card prompts start with "[CLS]"): input_ids =
      [id of [CLS]] + BertTokenizer(vocab.txt, do_lower_case=False)(text,
      add_special_tokens=False).input_ids, i.e. [CLS] then one token per CJK character /
      punctuation mark, characters not in vocab.txt -> [UNK], NO [SEP]. The empty text is just
      [CLS]. Because eos (50256) is not a token id, generation never ends early: a
      reimplementation must treat an out-of-vocabulary eos as "never ends" (every greedy output
      and every beam has exactly max_new_tokens tokens). Generation uses pad_token_id = 0.
      Decoded "text" = BertTokenizer.decode(ids, skip_special_tokens=True) with its default
      clean_up_tokenization_spaces=True, which is what the `tokenizers` WordPiece decoder
      (prefix "##", cleanup=True) gives too (checked): tokens joined by ONE SPACE ("月 光 ，"),
      " ##" glued, [PAD]/[UNK]/[CLS]/[SEP]/[MASK] dropped, [unusedN] kept. The generation pad id
      0 ([PAD]) is an ordinary token to the model and may be generated (one beam of "春眠" ends in
      it); it stops nothing.

Every learned tensor is random with a fixed seed (randomise_gpt2): LayerNorm weights (ln_1,
ln_2, ln_f) 1 + 0.2*N(0,1), every other parameter (wte, wpe, all weights and biases) 0.2*N(0,1),
then model.tie_weights() (lm_head.weight IS transformer.wte.weight). Conv1D weights are stored
[in, out] (y = x @ W + b), c_attn's output is [q | k | v] each n_embd wide, heads split inside
each. Attention scores are divided by sqrt(head_dim) (scale_attn_weights=True,
scale_attn_by_inverse_layer_idx=False, reorder_and_upcast_attn=False); pre-LN blocks
x += attn(ln_1(x)); x += mlp(ln_2(x)); logits = ln_f(x) @ wte^T; input = wte[ids] + wpe[pos],
positions 0.. from the first prompt token. Dropout 0, eager attention, eval mode.

To make some outputs END WITH eos before max_new_tokens (random weights rarely pick it), the
eos row of the tied embedding gets `eos_boost` * ln_f.bias / |ln_f.bias| added after
randomising (recorded as "eos_boost" in expected.json; it is in the saved weights, nothing to
re-apply): every final hidden state carries ln_f.bias, so this raises the eos logit of most
positions by about eos_boost * |ln_f.bias|. Seeds and boosts were picked with --search (seeds
0-199; boosts 1.5/2.5/3.5 for gpt2-bpe -> seed 116, 3.5; 2.0/2.5/3.0 for gpt2-merges-bin ->
seed 67, 3.0; gpt2-bert-vocab has no eos to boost -> seed 165) as the candidates with the
largest smallest margin among those where 1-3 of the 4 greedy outputs and some beam hypotheses
end with eos before the limit while others run to it (gpt2-bpe's third prompt was then
changed from "Hello" to "Zürich", found by trying short texts on the chosen model, so that the
"top 4 of 8" finishing rule below matters). The margin is the smallest of every
min_top1_top2_logit_gap, min_score_gap and min_decision_gap (greedy argmaxes, the beam top-k
cuts, which candidates finish, the early stop, the final ranking): 0.0054, 0.012 and 0.0056
here, far above f32 rounding, so an f32 reimplementation must reproduce every id exactly.

expected.json (same shape for all three):
  "generation": {"greedy": kwargs, "greedy_rep": kwargs, "beam4": kwargs}: every kwarg passed to
      model.generate (model.generation_config is also replaced by GenerationConfig(**greedy
      kwargs), so nothing hidden applies). Common: max_new_tokens=12, do_sample=False,
      min_length=0, no_repeat_ngram_size=0, repetition_penalty=1.0, length_penalty=1.0,
      early_stopping=False, use_cache=True, renormalize_logits=False, num_beams=1,
      eos_token_id = config eos, pad_token_id = eos (0 for gpt2-bert-vocab), plus
      attention_mask = all ones. greedy_rep: repetition_penalty=1.3. beam4: num_beams=4,
      num_return_sequences=4, output_scores=True, return_dict_in_generate=True.
  "prompt_encoding": how text became input_ids.
  "special_tokens", "eos_boost", "seed", "versions".
  "prompts": 4 of them (1-10 tokens), each:
    text, input_ids, tokens (the vocabulary strings of input_ids),
    logits [prompt position][vocab]: ONE full causal forward pass over the prompt (6 decimals),
    greedy {ids (continuation only, eos included if reached), tokens, text (decoded
        continuation, skip_special_tokens=True), ended_with_eos, min_top1_top2_logit_gap},
    greedy_rep {repetition_penalty: 1.3, ids, tokens, text, ended_with_eos,
        min_top1_top2_logit_gap (after the penalty)},
    beam4 {sequences [4][continuation only, cut after the first eos], sequences_scores [4],
        ended_with_eos [4], texts [4] (decoded like greedy.text), min_score_gap (between
        consecutive returned scores), min_decision_gap (smallest margin of any decision the
        search took, see below), steps (decoding steps run before the search ended: < 12 when
        the early stop fired)},
    attentions [layer][head][q][k]: ONLY for the first prompt, output_attentions=True of the
        forward pass above (softmax probabilities, causal: 0 above the diagonal).

Semantics verified by this script (asserted on every run) that a reimplementation must match:
  * greedy: next token = argmax of the last position's logits (re-derived here with full
    forward passes, no KV cache); stops after emitting eos (eos is the last id of "ids") or after
    max_new_tokens tokens. The first generate step's logits equal the last row of "logits".
  * greedy_rep (RepetitionPenaltyLogitsProcessor, penalty p=1.3): before the argmax, for every
    DISTINCT token id occurring in prompt + continuation so far (the PROMPT IS INCLUDED), its
    logit l becomes l*p if l < 0 else l/p (applied once per id, not per occurrence).
  * beam4 (transformers 4.57 `_beam_search`, re-implemented in ref_beam_search() below and
    checked to give the same sequences and scores):
      - running beams start as 4 copies of the prompt with scores [0, -1e9, -1e9, -1e9];
      - each step, for each running beam, log_softmax over the FULL vocabulary of the last
        logits (f32) is added to the beam's running sum; the top 2*4 = 8 (beam, token) pairs
        over all beams are taken in descending order;
      - a candidate "finishes" if its token is eos or it reaches max_new_tokens; only finishing
        candidates ranked in the top 4 of those 8 are offered to the finished set (eos
        candidates ranked 5-8 are dropped: gpt2-bpe's "Zürich" comes out differently if they
        are not), with score
        = running sum of log-probs / (number of GENERATED tokens, eos included, prompt
        EXCLUDED) ** length_penalty; the finished set keeps the best 4 (by that score);
      - the next running beams are the best 4 non-finishing candidates of the 8;
      - early stop (early_stopping=False): after each step, if all 4 finished slots are filled
        and best_running_sum / (tokens generated so far) ** length_penalty <= the worst
        finished score, search ends; it also ends when every candidate finished (the limit).
        Without this early stop, gpt2-bpe's "<|endoftext|>" and three gpt2-merges-bin prompts
        give other results ("steps" < 12 there);
      - sequences_scores = the finished scores, sorted descending; sequence i is returned as
        prompt + continuation, right-padded to the longest with pad_token_id (pad = eos, so a
        padded row looks like extra eos; transformers fills with `pad_token_id or eos`, so with
        pad 0 it would fill with eos = 50256, which never arises in gpt2-bert-vocab since every
        beam there has 12 tokens). Here "sequences" holds continuations cut after their
        first eos (prompt and padding removed); one without eos has exactly 12 tokens. sequences_scores[i] == sum(log_softmax(full-forward logits)[token] over
        sequences[i]) / len(sequences[i]) ** 1.0, to 1e-4 (checked).
"""
import json
import os
import sys

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np
import torch
import transformers
from safetensors.torch import load_file
from tokenizers import AddedToken, Tokenizer, decoders, pre_tokenizers, processors
from tokenizers.implementations import BertWordPieceTokenizer
from tokenizers.models import BPE
from tokenizers.trainers import BpeTrainer
from transformers import (
    BertTokenizer,
    GenerationConfig,
    GPT2Config,
    GPT2LMHeadModel,
    GPT2Tokenizer,
)
from transformers.utils import logging as hf_logging

hf_logging.set_verbosity_error()

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")
EOT = "<|endoftext|>"
MAX_NEW_TOKENS = 12
REP_PENALTY = 1.3
NUM_BEAMS = 4
STD = 0.2
MIN_GAP = 1e-3  # every recorded margin must be above this

# ---------------------------------------------------------------------------------------------
# Corpora for the two byte-level BPEs (generated from word lists so that they are a few hundred
# sentences without a data file; the orders below are fixed, so training is reproducible).

_SUBJ = ["The man", "The woman", "A child", "My friend", "The old king", "Her mother",
         "The dog", "A small cat", "The teacher", "His brother", "The farmer", "Our neighbour"]
_VERB = ["went to", "walked to", "looked at", "talked about", "came back from", "thought about",
         "wrote about", "ran to", "painted", "found"]
_OBJ = ["the market", "the river", "the old house", "the school", "the city", "the garden",
        "the station", "the forest", "the little shop", "the church", "the harbour"]
_TAIL = ["yesterday.", "in the morning.", "with the children.", "after the rain.",
         "before dinner.", "on Sunday.", "at night.", "again and again."]
_EXTRA_BPE = [
    "Hello world, hello there!",
    "The quick brown fox jumps over the lazy dog.",
    "She said: \"It is 42 degrees today.\"",
    "We met at the café in München; the crème brûlée was naïve but good.",
    "東京 and 北京 are capital cities.",
    "Numbers like 1, 2, 3 and 2024 appear in text.",
]
CORPUS_BPE = [f"{_SUBJ[i % 12]} {_VERB[(i * 7) % 10]} {_OBJ[(i * 5) % 11]} {_TAIL[(i * 3) % 8]}"
              for i in range(300)] + _EXTRA_BPE * 5

_Q = ["Where did you put", "Why do they like", "When will we see", "Who has seen",
      "How can I find", "What happened to"]
_QOBJ = ["the red car", "a blue book", "my green hat", "your sister", "the big dog",
         "their new boat", "the keys", "some bread", "a letter"]
_QEND = ["?", " today?", " last week?", " in London?", " at school?"]
_EXTRA_MERGES = ["Hi! How are you?", "Fine, thanks. And you?", "I'm fine; it's raining.",
                 "Zoë visited Zürich and Kraków.", "<p>tags</p> and email@example.com"]
CORPUS_MERGES = [f"{_Q[i % 6]} {_QOBJ[(i * 4) % 9]}{_QEND[(i * 2) % 5]}" for i in range(250)] \
    + _EXTRA_MERGES * 5

# Chinese vocabulary (gpt2-bert-vocab).
ZH_PUNCT = list("，。！？、：；") + list(",.!?:;")
ZH_CHARS = ("床前明月光疑是地上霜举头望低思故乡春眠不觉晓处处闻啼鸟夜来风雨声花落知多少白日依山尽"
            "黄河入海流欲穷千里目更一层楼的了我在有他这中大人为来到说们和你出也时年得就那要下以生"
            "会自着去之过家学对可她后小么心天而能好都然没于起还发成事只作当想看文无开手十用主行方又"
            "如所本见经面公同三已老从动两长民样现分将外但身些与高意进把法此实回二理美点水云江秋")
ZH_VOCAB = ["[PAD]", "[unused1]", "[unused2]", "[unused3]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] \
    + ZH_PUNCT + list(dict.fromkeys(ZH_CHARS))


# ---------------------------------------------------------------------------------------------
# Tokenizers

def _byte_level(tok):
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    return tok


def train_bpe(corpus, vocab_size, special_first):
    """A GPT-2 style byte-level BPE. special_first: `<|endoftext|>` at id 0 (trainer default);
    otherwise it is appended after training as the last id, like GPT-2's 50256."""
    tok = _byte_level(Tokenizer(BPE()))
    trainer = BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=2,
        show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        special_tokens=[EOT] if special_first else [],
    )
    tok.train_from_iterator(corpus, trainer=trainer)
    if not special_first:
        # Put <|endoftext|> into the model's own vocab (as GPT-2's tokenizer.json has it), then
        # register it as a special added token (it maps to the existing id).
        spec = json.loads(tok.to_str())
        vocab = spec["model"]["vocab"]
        vocab[EOT] = len(vocab)
        tok = Tokenizer.from_str(json.dumps(spec))
    tok.add_special_tokens([AddedToken(EOT, special=True)])
    return tok


# ---------------------------------------------------------------------------------------------
# Model

def randomise_gpt2(model, seed, eos, eos_boost):
    """LayerNorm weights 1 + 0.2*N(0,1), every other parameter 0.2*N(0,1), tie, then raise the
    eos row of the tied embedding along ln_f.bias (see the module docstring)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():  # tied lm_head appears once (as wte)
            leaf = name.split(".")[-2] if name.count(".") else name
            if leaf in ("ln_1", "ln_2", "ln_f") and name.endswith("weight"):
                p.copy_(1.0 + STD * torch.randn(p.shape, generator=g))
            else:
                p.copy_(STD * torch.randn(p.shape, generator=g))
        model.tie_weights()
        if eos is not None and eos_boost:
            b = model.transformer.ln_f.bias
            model.transformer.wte.weight[eos] += eos_boost * b / b.norm()
    assert model.lm_head.weight is model.transformer.wte.weight


def make_model(*, vocab_size, n_embd, n_layer, n_head, n_inner, n_positions, act, eos,
               seed, eos_boost):
    kw = {} if eos is None else dict(bos_token_id=eos, eos_token_id=eos)
    config = GPT2Config(
        vocab_size=vocab_size, n_positions=n_positions, n_embd=n_embd, n_layer=n_layer,
        n_head=n_head, n_inner=n_inner, activation_function=act, layer_norm_epsilon=1e-5,
        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, summary_first_dropout=0.0, **kw)
    config.architectures = ["GPT2LMHeadModel"]
    config._attn_implementation = "eager"  # sdpa cannot return attention probabilities
    torch.manual_seed(seed)
    model = GPT2LMHeadModel(config).eval()
    randomise_gpt2(model, seed, None if eos is None or eos >= vocab_size else eos, eos_boost)
    return config, model


def gen_kwargs(eos, pad):
    base = dict(max_new_tokens=MAX_NEW_TOKENS, do_sample=False, min_length=0,
                no_repeat_ngram_size=0, repetition_penalty=1.0, length_penalty=1.0,
                early_stopping=False, use_cache=True, renormalize_logits=False, num_beams=1,
                eos_token_id=eos, pad_token_id=pad)
    return {
        "greedy": base,
        "greedy_rep": dict(base, repetition_penalty=REP_PENALTY),
        "beam4": dict(base, num_beams=NUM_BEAMS, num_return_sequences=NUM_BEAMS,
                      output_scores=True, return_dict_in_generate=True),
    }


# ---------------------------------------------------------------------------------------------
# Reference computations

def r6(t):
    return np.round(t.detach().double().numpy(), 6).tolist()


@torch.no_grad()
def last_logits(model, seqs):
    """Logits at the last position of full forward passes (no cache), f32, [batch, vocab]."""
    return model(input_ids=torch.tensor(seqs)).logits[:, -1].float()


def ref_greedy(model, prompt, eos, penalty):
    seq, gap = list(prompt), float("inf")
    for _ in range(MAX_NEW_TOKENS):
        lg = last_logits(model, [seq])[0]
        if penalty != 1.0:
            idx = torch.tensor(sorted(set(seq)))
            v = lg[idx]
            lg[idx] = torch.where(v < 0, v * penalty, v / penalty)
        top2 = lg.topk(2).values
        gap = min(gap, float(top2[0] - top2[1]))
        seq.append(int(lg.argmax()))
        if seq[-1] == eos:
            break
    return seq[len(prompt):], gap


def ref_beam_search(model, prompt, eos, k=NUM_BEAMS, lp=1.0):
    """transformers 4.57 `_beam_search` (batch 1, early_stopping=False, no logits processors),
    with full forward passes. Returns (continuations, scores, min decision gap, steps run)."""
    P, V = len(prompt), model.config.vocab_size
    run_seqs = [list(prompt)] * k
    run_scores = torch.tensor([0.0] + [-1e9] * (k - 1))
    fin = []  # (score, continuation), best first, at most k
    gaps = []
    for step in range(MAX_NEW_TOKENS):
        n_gen = step + 1  # tokens generated once this step's token is appended
        acc = torch.log_softmax(last_logits(model, run_seqs), -1) + run_scores[:, None]
        vals, idx = acc.reshape(-1).topk(3 * k)
        cands = [(float(v), int(i) // V, int(i) % V) for v, i in zip(vals, idx)]
        at_limit = n_gen == MAX_NEW_TOKENS
        hits = [at_limit or tok == eos for _, _, tok in cands]
        top = cands[: 2 * k]
        # finishing: only hits ranked < k; margin across the rank-k boundary if a hit is there
        if hits[k - 1] or hits[k]:
            gaps.append(cands[k - 1][0] - cands[k][0])
        new_fin = [(v / n_gen ** lp, run_seqs[b][P:] + [tok])
                   for r, (v, b, tok) in enumerate(top[:k]) if hits[r]]
        merged = sorted(fin + new_fin, key=lambda x: -x[0])
        if len(merged) > k:
            gaps.append(merged[k - 1][0] - merged[k][0])
        fin = merged[:k]
        if at_limit:
            break
        # next running beams: best k non-hits among the top 2k
        live = [c for c, h in zip(cands, hits) if not h]
        gaps.append(live[k - 1][0] - live[k][0])
        live = [c for c, h in zip(cands[: 2 * k], hits[: 2 * k]) if not h][:k]
        assert len(live) == k
        run_seqs = [run_seqs[b] + [tok] for _, b, tok in live]
        run_scores = torch.tensor([v for v, _, _ in live])
        # early-stop heuristic
        if len(fin) == k:
            best_running = float(run_scores[0]) / n_gen ** lp
            gaps.append(abs(best_running - fin[-1][0]))
            if not best_running > fin[-1][0]:
                break
    return [c for _, c in fin], [s for s, _ in fin], min(gaps) if gaps else float("inf"), n_gen


def cut(cont, eos):
    return cont[: cont.index(eos) + 1] if eos in cont else cont


@torch.no_grad()
def run_generate(model, ids, kw):
    return model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), **kw)


def evaluate(model, prompts, eos, pad, decode, tokens_of, gen):
    """Everything expected.json records for the prompts, plus the checks."""
    model.generation_config = GenerationConfig(**gen["greedy"])
    eos_in_vocab = eos < model.config.vocab_size
    cases = []
    for i, (text, prompt) in enumerate(prompts):
        ids = torch.tensor([prompt])
        P = len(prompt)
        with torch.no_grad():
            out = model(input_ids=ids, output_attentions=(i == 0))
        logits = out.logits[0]
        case = {"text": text, "input_ids": prompt, "tokens": tokens_of(prompt),
                "logits": r6(logits)}

        # greedy (+ first step logits == last forward row)
        g = run_generate(model, ids, dict(gen["greedy"], return_dict_in_generate=True,
                                          output_logits=True))
        assert torch.allclose(g.logits[0][0], logits[-1], atol=1e-5, rtol=0), "first step"
        cont = g.sequences[0, P:].tolist()
        ref, gap = ref_greedy(model, prompt, eos, 1.0)
        assert cont == ref, (cont, ref)
        plain = run_generate(model, ids, gen["greedy"])[0, P:].tolist()
        assert plain == cont
        case["greedy"] = {"ids": cont, "tokens": tokens_of(cont), "text": decode(cont),
                          "ended_with_eos": bool(cont and cont[-1] == eos),
                          "min_top1_top2_logit_gap": round(gap, 6)}

        cont = run_generate(model, ids, gen["greedy_rep"])[0, P:].tolist()
        ref, gap = ref_greedy(model, prompt, eos, REP_PENALTY)
        assert cont == ref, (cont, ref)
        case["greedy_rep"] = {"repetition_penalty": REP_PENALTY, "ids": cont,
                              "tokens": tokens_of(cont), "text": decode(cont),
                              "ended_with_eos": bool(cont and cont[-1] == eos),
                              "min_top1_top2_logit_gap": round(gap, 6)}

        b = run_generate(model, ids, gen["beam4"])
        rows = b.sequences.tolist()
        fill = pad if pad else eos  # transformers: `pad_token_id or eos_token_id[0]`
        width = max(len(cut(r[P:], eos)) for r in rows)
        for r in rows:  # prompt + continuation, right-padded
            assert r[:P] == prompt and len(r) == P + width
            c = cut(r[P:], eos)
            assert r[P + len(c):] == [fill] * (width - len(c))
        seqs = [cut(r[P:], eos) for r in rows]
        scores = b.sequences_scores.tolist()
        rseqs, rscores, dgap, steps = ref_beam_search(model, prompt, eos)
        assert seqs == rseqs, (seqs, rseqs)
        for s, rs, c in zip(scores, rscores, seqs):
            assert abs(s - rs) < 1e-4, (s, rs)
            with torch.no_grad():  # one full forward over prompt + continuation
                lp = model(input_ids=torch.tensor([prompt + c])).logits[0].log_softmax(-1)
            direct = float(sum(lp[P - 1 + j, t] for j, t in enumerate(c))) / len(c)
            assert abs(direct - s) < 1e-4, (direct, s)
            assert len(c) == MAX_NEW_TOKENS or c[-1] == eos
        assert scores == sorted(scores, reverse=True)
        case["beam4"] = {"sequences": seqs, "sequences_scores": [round(s, 6) for s in scores],
                         "ended_with_eos": [bool(c[-1] == eos) for c in seqs],
                         "texts": [decode(c) for c in seqs],
                         "min_score_gap": round(min(x - y for x, y in zip(scores, scores[1:])), 6),
                         "min_decision_gap": round(dgap, 6), "steps": steps}
        if not eos_in_vocab:
            assert not case["greedy"]["ended_with_eos"] and len(case["greedy"]["ids"]) == MAX_NEW_TOKENS
            assert all(len(c) == MAX_NEW_TOKENS for c in seqs)
        if i == 0:
            case["attentions"] = [r6(a[0]) for a in out.attentions]  # [layer][head][q][k]
        cases.append(case)
    return cases


def margins(cases):
    m = []
    for c in cases:
        m += [c["greedy"]["min_top1_top2_logit_gap"], c["greedy_rep"]["min_top1_top2_logit_gap"],
              c["beam4"]["min_score_gap"], c["beam4"]["min_decision_gap"]]
    return min(m)


def eos_stats(cases):
    g = [c["greedy"]["ended_with_eos"] and len(c["greedy"]["ids"]) < MAX_NEW_TOKENS for c in cases]
    b = [e and len(s) < MAX_NEW_TOKENS
         for c in cases for e, s in zip(c["beam4"]["ended_with_eos"], c["beam4"]["sequences"])]
    return sum(g), sum(b)


# ---------------------------------------------------------------------------------------------
# The three fixtures

SPECS = {
    "gpt2-bpe": dict(n_embd=48, n_layer=3, n_head=3, n_inner=80, n_positions=64, act="gelu_new",
                     seed=116, eos_boost=3.5),
    "gpt2-merges-bin": dict(n_embd=32, n_layer=2, n_head=4, n_inner=None, n_positions=48,
                            act="gelu", seed=67, eos_boost=3.0),
    "gpt2-bert-vocab": dict(n_embd=40, n_layer=2, n_head=5, n_inner=64, n_positions=64,
                            act="gelu_new", seed=165, eos_boost=0.0),
}
PROMPTS = {
    "gpt2-bpe": ["The man went to the", EOT, "Zürich", "naïve café"],
    "gpt2-merges-bin": ["Where did you", "Hi", EOT + "Zoë", "What happened to"],
    "gpt2-bert-vocab": ["床前明月光，疑是", "", "春眠", "举头望龙月"],  # 龙 is not in vocab.txt
}


def tokenizer_for(name):
    """(files writer, encode, decode, tokens_of, eos, pad, prompt_encoding, vocab_size)."""
    if name == "gpt2-bpe":
        tok = train_bpe(CORPUS_BPE, 319, special_first=False)
        assert tok.to_str() == train_bpe(CORPUS_BPE, 319, special_first=False).to_str()
        eos = tok.token_to_id(EOT)
        assert eos == 319 and tok.get_vocab_size() == 320

        def write(d):
            tok.save(os.path.join(d, "tokenizer.json"))
            assert Tokenizer.from_file(os.path.join(d, "tokenizer.json")).to_str() == tok.to_str()

        return dict(
            write=write, encode=lambda t: tok.encode(t).ids,
            decode=lambda ids: tok.decode(ids, skip_special_tokens=True),
            tokens_of=lambda ids: [tok.id_to_token(i) for i in ids],
            eos=eos, pad=eos, vocab_size=tok.get_vocab_size(),
            prompt_encoding="Tokenizer.from_file('tokenizer.json').encode(text).ids: byte-level "
                            "BPE, no tokens added (no bos); '<|endoftext|>' in the text is the "
                            "special token (id 319).")
    if name == "gpt2-merges-bin":
        tok = train_bpe(CORPUS_MERGES, 300, special_first=True)
        assert tok.to_str() == train_bpe(CORPUS_MERGES, 300, special_first=True).to_str()
        eos = tok.token_to_id(EOT)
        assert eos == 0 and tok.get_vocab_size() == 300
        state = {}

        def write(d):
            tok.model.save(d)  # vocab.json + merges.txt
            slow = GPT2Tokenizer(os.path.join(d, "vocab.json"), os.path.join(d, "merges.txt"))
            assert slow.eos_token_id == eos and len(slow) == 300
            fast = _byte_level(Tokenizer(BPE.from_file(os.path.join(d, "vocab.json"),
                                                       os.path.join(d, "merges.txt"))))
            fast.add_special_tokens([AddedToken(EOT, special=True)])
            state.update(slow=slow, fast=fast)

        def encode(text):
            ids = state["slow"](text)["input_ids"]
            assert ids == state["fast"].encode(text).ids == tok.encode(text).ids
            return ids

        def decode(ids):
            text = state["slow"].decode(ids, skip_special_tokens=True,
                                        clean_up_tokenization_spaces=False)
            assert text == state["fast"].decode(ids, skip_special_tokens=True)
            return text

        return dict(
            write=write, encode=encode, decode=decode,
            tokens_of=lambda ids: state["slow"].convert_ids_to_tokens(ids),
            eos=eos, pad=eos, vocab_size=300,
            prompt_encoding="GPT2Tokenizer('vocab.json', 'merges.txt')(text).input_ids (slow "
                            "tokenizer, no tokens added; identical to a tokenizers BPE from the "
                            "same files with the ByteLevel pre-tokenizer); '<|endoftext|>' in "
                            "the text is the special token (id 0).")
    assert name == "gpt2-bert-vocab"
    state = {}

    def write(d):
        path = os.path.join(d, "vocab.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(ZH_VOCAB) + "\n")
        with open(os.path.join(d, "tokenizer_config.json"), "w") as f:
            json.dump({"tokenizer_class": "BertTokenizer", "do_lower_case": False}, f, indent=2)
        state["tok"] = BertTokenizer(path, do_lower_case=False)
        state["wp"] = BertWordPieceTokenizer(path, lowercase=False)

    def encode(text):
        t = state["tok"]
        return [t.cls_token_id] + t(text, add_special_tokens=False)["input_ids"]

    def decode(ids):
        text = state["tok"].decode(ids, skip_special_tokens=True)
        assert text == state["wp"].decode(ids, skip_special_tokens=True), text
        return text

    return dict(
        write=write, encode=encode, decode=decode,
        tokens_of=lambda ids: state["tok"].convert_ids_to_tokens(ids),
        eos=50256, pad=0, vocab_size=len(ZH_VOCAB),
        prompt_encoding="[id of [CLS]] + BertTokenizer('vocab.txt', do_lower_case=False)(text, "
                        "add_special_tokens=False).input_ids: [CLS] then one token per "
                        "character (basic tokenizer splits CJK characters and punctuation; "
                        "unknown characters -> [UNK]), no [SEP]; '' gives just [CLS].")


def build(name, d, seed=None, eos_boost=None, tk=None):
    spec = dict(SPECS[name])
    if seed is not None:
        spec.update(seed=seed, eos_boost=eos_boost)
    if tk is None:
        tk = tokenizer_for(name)
        tk["write"](d)
    config, model = make_model(vocab_size=tk["vocab_size"], eos=tk["eos"],
                               **{k: v for k, v in spec.items()})
    if name == "gpt2-bert-vocab":
        config.tokenizer_class = "BertTokenizer"
    return spec, tk, config, model


def make(name):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    spec, tk, config, model = build(name, d)
    eos, pad = tk["eos"], tk["pad"]
    assert config.eos_token_id == config.bos_token_id == (eos if eos < 50256 else 50256)

    # weights
    if name == "gpt2-merges-bin":
        sd = {}
        for k, v in model.transformer.state_dict().items():
            sd[k] = v.detach().clone().contiguous()
            if k.endswith("ln_1.bias"):  # legacy buffers, where old GPT2Attention had them
                i = k.split(".")[1]
                n = config.n_positions
                sd[f"h.{i}.attn.bias"] = torch.tril(torch.ones(n, n, dtype=torch.uint8)).view(1, 1, n, n)
                sd[f"h.{i}.attn.masked_bias"] = torch.tensor(-1e4)
        torch.save(sd, os.path.join(d, "pytorch_model.bin"))
    else:
        model.save_pretrained(d, safe_serialization=True)
        os.chmod(os.path.join(d, "model.safetensors"), 0o644)  # it is written 0600
        os.remove(os.path.join(d, "generation_config.json"))
        keys = set(load_file(os.path.join(d, "model.safetensors")))
        assert "lm_head.weight" not in keys and all(k.startswith("transformer.") for k in keys)
    config.to_json_file(os.path.join(d, "config.json"), use_diff=False)
    if name == "gpt2-bert-vocab":
        cj = json.load(open(os.path.join(d, "config.json")))
        assert cj["bos_token_id"] == cj["eos_token_id"] == 50256 and cj["vocab_size"] == len(ZH_VOCAB)

    # the saved directory loads back into the same model
    back = GPT2LMHeadModel.from_pretrained(d, attn_implementation="eager").eval()
    probe = torch.tensor([[1, 2, 3, 4, 5]])
    with torch.no_grad():
        assert torch.equal(back(probe).logits, model(probe).logits), "reload"
    assert back.lm_head.weight.data_ptr() == back.transformer.wte.weight.data_ptr()

    gen = gen_kwargs(eos, pad)
    prompts = [(t, tk["encode"](t)) for t in PROMPTS[name]]
    assert all(1 <= len(p) <= 10 for _, p in prompts), [len(p) for _, p in prompts]
    args = (model, prompts, eos, pad, tk["decode"], tk["tokens_of"], gen)
    cases = evaluate(*args)
    assert cases == evaluate(*args), "re-running gave different outputs"
    m = margins(cases)
    assert m > MIN_GAP, m
    n_g, n_b = eos_stats(cases)
    if name != "gpt2-bert-vocab":
        assert n_g >= 1 and n_b >= 1, (n_g, n_b)

    expected = {
        "model": name,
        "versions": {"torch": torch.__version__.split("+")[0],
                     "transformers": transformers.__version__},
        "special_tokens": {"eos": eos, "bos": config.bos_token_id, "pad_for_generate": pad,
                           "eos_in_vocab": eos < config.vocab_size},
        "seed": spec["seed"],
        "eos_boost": spec["eos_boost"],
        "generation": gen,
        "prompt_encoding": tk["prompt_encoding"],
        "prompts": cases,
    }
    with open(os.path.join(d, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, ensure_ascii=False, separators=(",", ":"))

    n_params = sum(p.numel() for p in model.parameters())
    size = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))
    print(f"{name}: vocab {config.vocab_size}, eos {eos}, {n_params} params, "
          f"files {sorted(os.listdir(d))}, {size} bytes, min margin {m:.4f}")
    for c in cases:
        g, r, b = c["greedy"], c["greedy_rep"], c["beam4"]
        print(f"  {c['text']!r} -> {c['input_ids']}")
        print(f"    greedy {g['ids']} eos={g['ended_with_eos']} gap {g['min_top1_top2_logit_gap']:.4f}"
              f" text {g['text']!r}")
        print(f"    rep    {r['ids']} eos={r['ended_with_eos']} gap {r['min_top1_top2_logit_gap']:.4f}")
        for s, sc in zip(b["sequences"], b["sequences_scores"]):
            print(f"    beam   {s} {sc:.4f}")
        print(f"    beam gaps: score {b['min_score_gap']:.4f} decision {b['min_decision_gap']:.4f}"
              f" steps {b['steps']}")
    print(f"  greedy ending in eos early: {n_g}/4; beams ending in eos early: {n_b}/16")
    assert size < 400_000, size


def search(name, seeds, boosts):
    """Print (margin, #greedy ending early, #beams ending early) per seed/boost."""
    import tempfile
    rows = []
    with tempfile.TemporaryDirectory() as d:
        tk = tokenizer_for(name)
        tk["write"](d)
        for seed in seeds:
            for boost in boosts:
                spec, tk, config, model = build(name, d, seed, boost, tk)
                gen = gen_kwargs(tk["eos"], tk["pad"])
                prompts = [(t, tk["encode"](t)) for t in PROMPTS[name]]
                assert all(1 <= len(p) <= 10 for _, p in prompts)
                try:
                    cases = evaluate(model, prompts, tk["eos"], tk["pad"], tk["decode"],
                                     tk["tokens_of"], gen)
                except AssertionError as e:
                    print(f"seed {seed} boost {boost}: assertion {e}")
                    continue
                n_g, n_b = eos_stats(cases)
                rows.append((margins(cases), seed, boost, n_g, n_b))
                print(f"seed {seed:3d} boost {boost}: margin {rows[-1][0]:.4f} "
                      f"greedy-eos {n_g}/4 beam-eos {n_b}/16", flush=True)
    return rows


if __name__ == "__main__":
    torch.set_num_threads(1)
    if len(sys.argv) > 1 and sys.argv[1] == "--search":
        name = sys.argv[2]
        seeds = range(int(sys.argv[3]), int(sys.argv[4]))
        boosts = [float(x) for x in sys.argv[5].split(",")]
        search(name, seeds, boosts)
    else:
        for name in SPECS:
            make(name)
